import { readFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';

/**
 * The address other hosts reach this machine on, when `public_ip` is not
 * configured: the first IPv4 address of the default-route interface (as
 * fleet did), else the first non-loopback IPv4 address, else undefined.
 */
export function detectPublicIp(): string | undefined {
  const ifaces = networkInterfaces();
  const v4 = (name: string) => ifaces[name]?.find((a) => a.family === 'IPv4' && !a.internal)?.address;
  const route = defaultRouteInterface();
  if (route !== undefined && v4(route) !== undefined) return v4(route);
  for (const name of Object.keys(ifaces).sort()) {
    const a = v4(name);
    if (a !== undefined) return a;
  }
  return undefined;
}

/** Interface of the IPv4 default route, from /proc/net/route; undefined when none or unreadable. */
function defaultRouteInterface(): string | undefined {
  try {
    for (const line of readFileSync('/proc/net/route', 'utf8').split('\n').slice(1)) {
      const [iface, destination] = line.trim().split(/\s+/);
      if (destination === '00000000' && iface) return iface;
    }
  } catch {
    // not Linux, or /proc unavailable: fall back to interface order
  }
  return undefined;
}

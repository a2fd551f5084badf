/**
 * `host:port` as fleet's `api_listen` and the API's TCP listeners write it:
 * `host:port`, `[v6]:port`, or a bare port (the host is then left to the
 * caller; the API binds 127.0.0.1 because it has no authentication).
 */
export interface HostPort {
  /** Host name or address without brackets; undefined for a bare port. */
  readonly host?: string;
  readonly port: number;
}

/** Parses `host:port`, `[v6]:port` or a bare port (blanks around are ignored). Throws RangeError naming the text otherwise. */
export function parseHostPort(text: string): HostPort {
  const t = text.trim();
  const bad = () => new RangeError(`expected host:port or a port, got ${JSON.stringify(text)}`);
  if (/^\d{1,5}$/.test(t)) {
    if (Number(t) > 65535) throw bad();
    return { port: Number(t) };
  }
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([A-Za-z0-9.-]+)):(\d{1,5})$/.exec(t);
  if (m === null || Number(m[3]) > 65535) throw bad();
  return { host: (m[1] ?? m[2])!, port: Number(m[3]) };
}

/** `host:port`, with IPv6 hosts bracketed; `defaultHost` stands in for a missing host. */
export function formatHostPort(a: HostPort, defaultHost = '127.0.0.1'): string {
  const host = a.host ?? defaultHost;
  return `${host.includes(':') ? `[${host}]` : host}:${a.port}`;
}

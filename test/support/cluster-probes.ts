import type { ClusterHost, SandboxCluster } from '../../src/sandbox/cluster.js';

/** `systemctl --user is-active` of a unit on one host (`active`, `inactive`, `failed`, ...). */
export async function activeState(c: SandboxCluster, h: ClusterHost, unit: string): Promise<string> {
  return (await c.systemctl(h, 'is-active', unit)).trim();
}

/** Indexes of the hosts where systemd reports `unit` active, sorted. */
export async function runningOn(c: SandboxCluster, unit: string): Promise<number[]> {
  const out: number[] = [];
  for (const h of c.hosts) {
    if (h.fleetd === undefined && h.host.processes().length === 0) continue; // killed host
    if ((await activeState(c, h, unit)) === 'active') out.push(h.index);
  }
  return out;
}

/** systemd's MainPID of a unit on a host (0 when none). */
export async function mainPid(c: SandboxCluster, h: ClusterHost, unit: string): Promise<number> {
  return Number((await c.systemctl(h, 'show', '-p', 'MainPID', '--value', unit)).trim() || '0');
}

/** `systemctl --user show -p LoadState --value` of a unit on a host. */
export async function loadState(c: SandboxCluster, h: ClusterHost, unit: string): Promise<string> {
  return (await c.systemctl(h, 'show', '-p', 'LoadState', '--value', unit)).trim();
}

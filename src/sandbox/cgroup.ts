import { mkdirSync, readdirSync, readFileSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The two cgroup hierarchies a sandbox host gets a subtree in. systemd 252 on
 * this (hybrid-mode) machine tracks units in the named v1 `systemd`
 * hierarchy and the v2 `unified` one, so both must be private to the host or
 * two hosts see each other's processes.
 */
export const CGROUP_ROOTS = ['/sys/fs/cgroup/systemd', '/sys/fs/cgroup/unified'] as const;

/** Absolute paths of the host's subtree in each hierarchy. */
export function cgroupDirs(cgroupName: string): string[] {
  return CGROUP_ROOTS.map((root) => join(root, cgroupName));
}

/** Creates the host's (empty) subtree in both hierarchies. Throws on any fs error. */
export function createCgroups(cgroupName: string): void {
  for (const dir of cgroupDirs(cgroupName)) mkdirSync(dir, { recursive: true });
}

/** Every directory of a subtree, deepest first (the order rmdir needs); [] when it does not exist. */
function subtreeDirs(dir: string): string[] {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const e of entries) if (e.isDirectory()) out.push(...subtreeDirs(join(dir, e.name)));
  out.push(dir);
  return out;
}

/**
 * PIDs of every process in the host's subtree (both hierarchies, every
 * nested cgroup), sorted and de-duplicated. These are all processes the
 * sandbox started (systemd, its units, dbus-daemon, journald, spawnInHost
 * children). Returns [] once the subtree is gone.
 */
export function cgroupPids(cgroupName: string): number[] {
  const pids = new Set<number>();
  for (const root of cgroupDirs(cgroupName)) {
    for (const dir of subtreeDirs(root)) {
      let text = '';
      try {
        text = readFileSync(join(dir, 'cgroup.procs'), 'utf8');
      } catch {
        continue; // removed while we walked
      }
      for (const line of text.split('\n')) if (line.trim()) pids.add(Number(line));
    }
  }
  return [...pids].sort((a, b) => a - b);
}

/**
 * Removes the subtree, deepest cgroups first. Returns the directories that
 * could not be removed yet (EBUSY while exiting processes are still being
 * torn down), so the caller can retry.
 */
export function removeCgroups(cgroupName: string): string[] {
  const left: string[] = [];
  for (const root of cgroupDirs(cgroupName)) {
    for (const dir of subtreeDirs(root)) {
      try {
        rmdirSync(dir);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') left.push(dir);
      }
    }
  }
  return left;
}

/** True while `pid` exists and is not a zombie (a killed child of ours stays a zombie until Node reaps it). */
export function isLive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** Sends SIGKILL to each PID, ignoring processes that are already gone. */
export function killPids(pids: readonly number[]): void {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // ESRCH: already exited
    }
  }
}

/**
 * What this host can run, detected at start: `cpu` in cores (the CPUs the
 * process may use, capped by a cgroup CPU limit on fleetd's cgroup or any
 * ancestor, i.e. its manager's) and `memory` in bytes (MemTotal, capped by a
 * cgroup memory limit the same way). fleet.conf `resources=` then overrides
 * or adds values (see machineResources). The parsing is pure; `detectCapacity`
 * is the thin shell that reads the files.
 */
import { readFileSync, existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { overrideAmounts, type MachineResources, type ResourceAmounts } from '../resources/index.js';

/** What detection reads; tests pass a fake file system. */
export interface CapacitySources {
  /** File contents, or undefined when the file cannot be read. */
  readFile(path: string): string | undefined;
  /** True when `path` exists. */
  exists(path: string): boolean;
  /** CPUs this process may run on. */
  readonly cpus: number;
}

/** `MemTotal` of /proc/meminfo in bytes; undefined when absent. */
export function parseMemTotal(meminfo: string): number | undefined {
  const m = /^MemTotal:\s+(\d+)\s*kB/m.exec(meminfo);
  return m === null ? undefined : Number(m[1]) * 1024;
}

/** /proc/self/cgroup -> controller name ('' for the v2 hierarchy) -> cgroup path. */
export function parseProcCgroup(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^\d+:([^:]*):(.*)$/.exec(line.trim());
    if (m === null) continue;
    for (const controller of m[1]!.split(',')) out.set(controller, m[2]!);
  }
  return out;
}

/** Cores allowed by cgroup v2 `cpu.max` (`50000 100000` -> 0.5); undefined for `max` or garbage. */
export function parseCpuMax(text: string): number | undefined {
  const m = /^(\d+)\s+(\d+)/.exec(text.trim());
  return m === null || Number(m[2]) === 0 ? undefined : Number(m[1]) / Number(m[2]);
}

/** Cores allowed by cgroup v1 quota/period (`-1`: no limit). */
export function parseCfsQuota(quota: string, period: string): number | undefined {
  const q = Number(quota.trim());
  const p = Number(period.trim());
  return Number.isFinite(q) && Number.isFinite(p) && q > 0 && p > 0 ? q / p : undefined;
}

/** Bytes allowed by a memory limit file (`max`, or v1's near-2^63 "unlimited", give undefined). */
export function parseMemoryLimit(text: string): number | undefined {
  const v = text.trim();
  if (!/^\d+$/.test(v)) return undefined;
  const n = Number(v);
  return n >= 2 ** 60 ? undefined : n;
}

/** `path` and each of its ancestors up to '/', deepest first. */
function ancestry(path: string): string[] {
  const out: string[] = [];
  let p = path === '' ? '/' : path;
  for (;;) {
    out.push(p);
    if (p === '/') return out;
    p = p.slice(0, p.lastIndexOf('/')) || '/';
  }
}

/** The smallest limit found along the cgroup path; undefined when none is set. */
function smallestLimit(root: string, path: string | undefined, read: (dir: string) => number | undefined): number | undefined {
  if (path === undefined) return undefined;
  let min: number | undefined;
  for (const p of ancestry(path)) {
    const v = read(join(root, p));
    if (v !== undefined && (min === undefined || v < min)) min = v;
  }
  return min;
}

/** Detects `{ cpu, memory }` from `src`. Never throws; a resource that cannot be read is left out. */
export function detectCapacity(src: CapacitySources = hostSources()): ResourceAmounts {
  const groups = parseProcCgroup(src.readFile('/proc/self/cgroup') ?? '');
  const v2root = src.exists('/sys/fs/cgroup/cgroup.controllers') ? '/sys/fs/cgroup' : '/sys/fs/cgroup/unified';
  const v2 = groups.get('');
  const file = (dir: string, name: string) => src.readFile(join(dir, name));

  const cpuLimits = [
    smallestLimit(v2root, v2, (d) => parseCpuMax(file(d, 'cpu.max') ?? '')),
    smallestLimit('/sys/fs/cgroup/cpu', groups.get('cpu'), (d) => parseCfsQuota(file(d, 'cpu.cfs_quota_us') ?? '', file(d, 'cpu.cfs_period_us') ?? '')),
  ].filter((x): x is number => x !== undefined);
  const cpu = Math.min(src.cpus, ...cpuLimits);

  const memTotal = parseMemTotal(src.readFile('/proc/meminfo') ?? '');
  const memLimits = [
    smallestLimit(v2root, v2, (d) => parseMemoryLimit(file(d, 'memory.max') ?? '')),
    smallestLimit('/sys/fs/cgroup/memory', groups.get('memory'), (d) => parseMemoryLimit(file(d, 'memory.limit_in_bytes') ?? '')),
  ].filter((x): x is number => x !== undefined);
  const memory = memTotal === undefined ? (memLimits.length > 0 ? Math.min(...memLimits) : undefined) : Math.min(memTotal, ...memLimits);

  const out: Record<string, number> = {};
  if (Number.isFinite(cpu) && cpu > 0) out['cpu'] = Math.floor(cpu * 1000) / 1000;
  if (memory !== undefined) out['memory'] = memory;
  return out;
}

/**
 * The resources this machine publishes: detected capacity with fleet.conf's
 * `resources=` written over it, and `reserved=` kept for the host (nothing
 * is allocated yet; the agent fills that in).
 */
export function machineResources(detected: ResourceAmounts, configured: ResourceAmounts, reserved: ResourceAmounts): MachineResources {
  return { capacity: overrideAmounts(detected, configured), reserved, allocated: {} };
}

function hostSources(): CapacitySources {
  return {
    readFile(path) {
      try {
        return readFileSync(path, 'utf8');
      } catch {
        return undefined;
      }
    },
    exists: existsSync,
    cpus: availableParallelism(),
  };
}

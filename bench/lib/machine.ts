import { cpus, loadavg, totalmem } from 'node:os';
import { readFileSync } from 'node:fs';

/** Where and when a benchmark ran, printed with every result so figures are never read without load. */
export interface RunContext {
  readonly date: string;
  readonly node: string;
  readonly cpus: string;
  readonly memGiB: number;
  /** 1/5/15-minute load averages at the time of the call. */
  readonly load: readonly number[];
}

/** The current run context (date, CPU model and count, memory, load). */
export function runContext(): RunContext {
  const c = cpus();
  return {
    date: new Date().toISOString(),
    node: process.version,
    cpus: `${c.length} x ${c[0]?.model.trim() ?? 'unknown'}`,
    memGiB: Math.round(totalmem() / 2 ** 30),
    load: loadavg().map((l) => Math.round(l * 100) / 100),
  };
}

/** One line describing `ctx`, for the top of a benchmark's output. */
export function describeContext(ctx: RunContext): string {
  return `${ctx.date} | node ${ctx.node} | ${ctx.cpus} | ${ctx.memGiB} GiB | load ${ctx.load.join(' ')}`;
}

/** Resident set size of process `pid` in bytes (VmRSS); undefined when it is gone. */
export function rssOf(pid: number): number | undefined {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** User+system CPU time of process `pid` so far, ms (from /proc/<pid>/stat); undefined when it is gone. */
export function cpuMsOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[11] = utime, fields[12] = stime (in clock ticks; 100 Hz on Linux).
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return undefined;
  }
}

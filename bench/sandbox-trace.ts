/**
 * Where the time of a bulk start goes, on the same sandbox cluster as
 * `sandbox-scenarios` (3 hosts, real systemd --user + fleetd, one etcd):
 * `fleetctl start --no-block` of N units through host 0's API, then the
 * pipeline timestamped per unit from outside fleetd:
 *
 * - unit record and schedule entry written (an etcd watch on the prefix);
 * - the agent's load and start tasks completed (its log lines);
 * - state reported active in etcd (the watch);
 * - the bench's probe saw every unit running in systemd.
 *
 * Beside the times it prints what each host spent per unit: D-Bus calls by
 * method and registry operations (from each fleetd's /metrics), and with
 * `--cpu-prof` the fleetds' CPU profiles summarised by function (self time).
 *
 *   npm run build && node dist/bench/sandbox-trace.js [--units 1000] [--runs 1] [--cpu-prof] [--launcher fleetctl-api]
 */
import { runAsScript } from './lib/entry.js';
import { request } from 'node:http';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir, loadavg } from 'node:os';
import { join } from 'node:path';
import { sleeper } from '../test/support/units.js';
import { decodeState } from '../src/registry/records.js';
import type { ClusterHost } from '../src/sandbox/cluster.js';
import { FLEETD_NODE_FLAGS } from '../src/fleetd/node-flags.js';
import { BenchArgs } from './lib/args.js';
import { describeContext, runContext } from './lib/machine.js';
import { BenchCluster } from './sandbox/bench-cluster.js';

/** GETs `path` on a host's API socket; '' when it does not answer. */
function apiGet(h: ClusterHost, path: string): Promise<string> {
  return new Promise((resolve) => {
    const req = request({ socketPath: h.apiSocket, path, timeout: 5000 }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve(body));
    });
    req.on('error', () => resolve(''));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

/** Counter samples of a Prometheus text page whose name starts with one of `names`, keyed by name{labels}. */
function counters(page: string, names: readonly string[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of page.split('\n')) {
    if (line.startsWith('#') || !names.some((n) => line.startsWith(n))) continue;
    const at = line.lastIndexOf(' ');
    out.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return out;
}

const COUNTERS = ['fleet_dbus_call_count_total', 'fleet_registry_operation_count_total', 'fleet_agent_task_count_total', 'fleet_engine_reconcile_count_total', 'fleet_engine_reconcile_duration_second_sum', 'fleet_dbus_signal_count_total'];

function diff(after: Map<string, number>, before: Map<string, number>): Map<string, number> {
  const out = new Map<string, number>();
  for (const [k, v] of after) if (v - (before.get(k) ?? 0) !== 0) out.set(k, v - (before.get(k) ?? 0));
  return out;
}

/** p-th percentile (0-100) of `xs` (sorted copy); NaN when empty. */
function pct(xs: readonly number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
}

/** Sizes of the bursts in `times` (ms): runs of times less than `gapMs` apart, in time order. */
function burstSizes(times: readonly number[], gapMs = 30): number[] {
  const sorted = [...times].sort((a, b) => a - b);
  const sizes: number[] = [];
  sorted.forEach((t, i) => {
    if (i > 0 && t - sorted[i - 1]! < gapMs) sizes[sizes.length - 1]!++;
    else sizes.push(1);
  });
  return sizes;
}

/** One line per stage: how many units reached it and when (ms after the command started). */
function stageLine(name: string, times: readonly number[], total: number): string {
  const f = (x: number) => (Number.isNaN(x) ? '-' : `${Math.round(x)}`.padStart(6));
  return `  ${name.padEnd(34)} ${String(times.length).padStart(5)}/${total}  first ${f(pct(times, 0.0001))}  p50 ${f(pct(times, 50))}  p90 ${f(pct(times, 90))}  last ${f(pct(times, 100))}`;
}

/** Log lines of `h`'s fleetd written after byte `from`, parsed (non-JSON lines skipped). */
function logLines(c: BenchCluster, h: ClusterHost, from: number): Array<Record<string, unknown>> {
  const text = c.cluster.logs(h).slice(from);
  const out: Array<Record<string, unknown>> = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      out.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      // a line cut by a concurrent write
    }
  }
  return out;
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

/** Self time by function (ms) of one .cpuprofile, the heaviest first. */
function profileSummary(path: string, top = 25): { totalMs: number; idleMs: number; gcMs: number; rows: Array<[string, number]> } {
  const prof = JSON.parse(readFileSync(path, 'utf8')) as { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] };
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  prof.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (prof.timeDeltas[i] ?? 0) / 1000));
  const byFn = new Map<string, number>();
  let totalMs = 0;
  let idleMs = 0;
  let gcMs = 0;
  for (const [id, ms] of self) {
    const n = byId.get(id)!;
    totalMs += ms;
    const fn = n.callFrame.functionName || '(anonymous)';
    if (fn === '(idle)') idleMs += ms;
    if (fn === '(garbage collector)') gcMs += ms;
    const file = n.callFrame.url.split('/').slice(-2).join('/');
    const key = `${fn} ${file}:${n.callFrame.lineNumber + 1}`;
    byFn.set(key, (byFn.get(key) ?? 0) + ms);
  }
  const rows = [...byFn].filter(([k]) => !k.startsWith('(idle)')).sort((a, b) => b[1] - a[1]).slice(0, top);
  return { totalMs, idleMs, gcMs, rows };
}

/** CPU time (user + system) a process has used so far, ms; NaN when it is gone. */
function cpuMs(pid: number | undefined): number {
  if (pid === undefined) return NaN;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime + stime, in USER_HZ (100) ticks
  } catch {
    return NaN;
  }
}

/** A process's command name; '' when it is gone. */
function comm(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '';
  }
}

/** The processes whose CPU time a run reports, by label. */
function processes(c: BenchCluster): Map<string, number | undefined> {
  const out = new Map<string, number | undefined>();
  for (const h of c.liveHosts()) {
    out.set(`fleetd ${h.index}`, h.fleetd?.pid);
    out.set(`systemd ${h.index}`, h.host.pids.systemd);
    // dbus-daemon --fork: the daemon is a child of the recorded pid; find it by name among the host's processes.
    out.set(`dbus-daemon ${h.index}`, h.host.processes().find((pid) => comm(pid) === 'dbus-daemon'));
  }
  out.set('etcd', c.cluster.etcd.pid);
  return out;
}

/** One traced run; returns the time until the probe saw every unit running, ms. */
async function tracedRun(c: BenchCluster, n: number, run: number): Promise<number> {
  const names = Array.from({ length: n }, (_, i) => `trace-r${run}-${i}.service`);
  const wanted = new Set(names);
  const hosts = c.liveHosts();
  const logFrom = new Map(hosts.map((h) => [h, c.cluster.logs(h).length]));
  const before = await Promise.all(hosts.map(async (h) => counters(await apiGet(h, '/metrics'), COUNTERS)));

  const layout = c.registry.layout;
  const unitAt = new Map<string, number>();
  const scheduleAt = new Map<string, number>();
  const activeAt = new Map<string, number>();
  const { revision } = await c.registry.kv.get(layout.leader());
  let t0 = 0;
  const watch = c.registry.kv.watch(layout.prefix, revision + 1n, {
    onEvents: (events) => {
      const at = performance.now() - t0;
      for (const ev of events) {
        if (ev.type !== 'put') continue;
        let k;
        try {
          k = layout.parse(ev.kv.key);
        } catch {
          continue;
        }
        if (k === undefined) continue;
        if (k.kind === 'unit' && wanted.has(k.name) && !unitAt.has(k.name)) unitAt.set(k.name, at);
        else if (k.kind === 'schedule' && wanted.has(k.name) && !scheduleAt.has(k.name)) scheduleAt.set(k.name, at);
        else if (k.kind === 'state' && wanted.has(k.name) && !activeAt.has(k.name) && decodeState(ev.kv.key, ev.kv.value).activeState === 'active') activeAt.set(k.name, at);
      }
    },
    onResync: () => undefined,
  });

  const load0 = loadavg()[0]!;
  const procs = processes(c);
  const cpu0 = new Map([...procs].map(([k, pid]) => [k, cpuMs(pid)]));
  const bench0 = process.cpuUsage();
  t0 = performance.now();
  await c.start(names.map((name) => sleeper(name)));
  const returnedMs = performance.now() - t0;
  const runningAt = new Map<string, number>();
  await c.waitRunning(names, { onRunning: (name) => runningAt.set(name, performance.now() - t0) });
  const runningMs = performance.now() - t0;
  const cpu = new Map([...procs].map(([k, pid]) => [k, cpuMs(pid) - cpu0.get(k)!]));
  const benchCpu = process.cpuUsage(bench0);
  cpu.set('bench (probe, watch)', (benchCpu.user + benchCpu.system) / 1000);
  await new Promise((r) => setTimeout(r, 300)); // last state writes
  await watch.close();
  const after = await Promise.all(hosts.map(async (h) => counters(await apiGet(h, '/metrics'), COUNTERS)));

  const loadAt = new Map<string, number>();
  const startAt = new Map<string, number>();
  const passes: string[] = [];
  const scheduledAt: number[] = [];
  const loadPasses: string[] = [];
  for (const h of hosts) {
    const lines = logLines(c, h, logFrom.get(h)!);
    for (const l of lines) {
      const unit = l['unit'];
      if (typeof unit !== 'string' || !wanted.has(unit)) continue;
      // Log times are wall-clock; performance.timeOrigin maps them onto the bench's clock.
      const at = Number(l['time']) - performance.timeOrigin - t0;
      if (l['msg'] === 'AgentReconciler completed task') {
        if (l['task'] === 'load') loadAt.set(unit, at);
        else if (l['task'] === 'start') startAt.set(unit, at);
      } else if (l['msg'] === 'Scheduled unit') scheduledAt.push(at);
    }
    const loads = lines.filter((l) => l['msg'] === 'AgentReconciler completed task' && l['task'] === 'load' && wanted.has(String(l['unit'])));
    loadPasses.push(`host ${h.index} ${burstSizes(loads.map((l) => Number(l['time']))).join('+')}`);
    const starts = lines.filter((l) => l['msg'] === 'AgentReconciler completed task' && l['task'] === 'start' && wanted.has(String(l['unit'])));
    passes.push(`host ${h.index}: ${starts.length} started`);
  }

  console.log(`\nrun ${run + 1}: ${n} units, load average ${load0.toFixed(2)} at start, ${loadavg()[0]!.toFixed(2)} at end`);
  console.log(`  fleetctl start --no-block returned after ${Math.round(returnedMs)} ms; all running (probe) after ${Math.round(runningMs)} ms`);
  console.log(stageLine('unit record in etcd', [...unitAt.values()], n));
  console.log(stageLine('schedule entry in etcd', [...scheduleAt.values()], n));
  console.log(stageLine('agent: loaded (log)', [...loadAt.values()], n));
  console.log(stageLine('agent: StartUnit answered (log)', [...startAt.values()], n));
  console.log(stageLine('running in systemd (probe, 200 ms)', [...runningAt.values()], n));
  console.log(stageLine('state active in etcd', [...activeAt.values()], n));
  const lag = (a: Map<string, number>, b: Map<string, number>) => [...b].filter(([k]) => a.has(k)).map(([k, v]) => v - a.get(k)!);
  console.log(stageLine('  lag: schedule -> loaded', lag(scheduleAt, loadAt), n));
  console.log(stageLine('  lag: loaded -> StartUnit answered', lag(loadAt, startAt), n));
  console.log(stageLine('  lag: StartUnit -> running (probe)', lag(startAt, runningAt), n));
  console.log(`  ${passes.join('; ')}`);
  // A pass logs all its units within a few ms, so bursts of log times count passes (load-independent, unlike the times).
  console.log(`  engine passes that scheduled them: ${burstSizes(scheduledAt).join('+')} units; agent load passes: ${loadPasses.join(', ')}`);
  const cpuTotal = [...cpu.values()].filter((v) => !Number.isNaN(v)).reduce((a, b) => a + b, 0);
  console.log(`  CPU until all running (ms; ${Math.round(cpuTotal)} in all, the machine had ${Math.round(2 * runningMs)}): ${[...cpu].map(([k, v]) => `${k} ${Math.round(v)}`).join(', ')}`);
  hosts.forEach((h, i) => {
    const d = diff(after[i]!, before[i]!);
    const rows = [...d].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k.replace(/^fleet_/, '').replace('_count_total', '')} ${v} (${(v / n).toFixed(2)}/unit)`);
    console.log(`  host ${h.index} counters:\n    ${rows.join('\n    ')}`);
  });
  return runningMs;
}

/** Runs the trace; prints the stages, counters and (with --cpu-prof) the profiles. */
export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  const args = new BenchArgs(argv);
  const n = args.number('units', 1000);
  const runs = args.number('runs', 1);
  const cpuProf = args.bool('cpu-prof', false);
  const profDir = mkdtempSync(join(tmpdir(), 'fleet-trace-'));
  console.log(`sandbox trace: 3 hosts, ${n} units per run, ${runs} run(s); logs${cpuProf ? ' and CPU profiles' : ''} go to ${profDir}`);
  console.log(describeContext(runContext()));
  const c = await BenchCluster.start({
    hosts: 3,
    agentTtl: '30s',
    engineLeaseTtl: '5s',
    label: 'bt',
    launcher: args.string('launcher') ?? 'fleetctl-api',
    ...(cpuProf ? { nodeArgs: [...FLEETD_NODE_FLAGS, '--cpu-prof', `--cpu-prof-dir=${profDir}`] } : {}),
  });
  const figures: number[] = [];
  try {
    for (let r = 0; r < runs; r++) {
      figures.push(await tracedRun(c, n, r));
      // With profiles, the last run's units stay: the profiles then hold the start alone, not the clean-up after it.
      if (!cpuProf || r < runs - 1) await c.clean();
    }
    if (cpuProf) {
      // A profile is written when the process exits normally: SIGTERM (nothing is loaded any more).
      for (const h of c.liveHosts()) await c.cluster.stopFleetd(h, 'SIGTERM', 60_000);
    }
  } finally {
    for (const h of c.cluster.hosts) writeFileSync(join(profDir, `fleetd-${h.index}.log`), c.cluster.logs(h));
    await c.stop();
  }
  console.log(`fleetd logs in ${profDir}`);
  console.log(`\nall running after: ${figures.map((f) => `${(f / 1000).toFixed(2)} s`).join(', ')}`);
  if (!cpuProf) return;
  for (const f of readdirSync(profDir).filter((x) => x.endsWith('.cpuprofile'))) {
    const s = profileSummary(join(profDir, f));
    console.log(`\nprofile ${f}: ${Math.round(s.totalMs)} ms sampled, ${Math.round(s.totalMs - s.idleMs)} ms busy (GC ${Math.round(s.gcMs)} ms)`);
    for (const [k, ms] of s.rows) console.log(`  ${ms.toFixed(1).padStart(8)} ms  ${k}`);
  }
}

runAsScript(import.meta.url, () => main());

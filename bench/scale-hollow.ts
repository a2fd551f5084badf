/**
 * Scale with hollow hosts: `--machines` real Agents (own lease, own
 * schedule watch, fake systemd) packed into `--children` processes, one
 * Engine in its own process, one real etcd. Submits `--units` units
 * (plain, template instances with Conflicts, metadata, MachineOf pairs, 3
 * global units) through the API role, launched, and measures the time until
 * every schedule entry exists and every one reports `running`; then the
 * steady state (etcd requests/s, CPU and RSS per process) and the etcd
 * floor for the writes the run needed.
 *
 *   npm run build && node dist/bench/scale-hollow.js [--machines 1000] [--units 10000] [--children 4]
 *     [--steady-seconds 30] [--submit-concurrency 16] [--agents-per-client 1] [--agent-ttl 30] [--profile DIR]
 */
import { pathToFileURL } from 'node:url';
import { createEtcdRegistry, type Registry } from '../src/registry/index.js';
import { BenchArgs } from './lib/args.js';
import { describeActivity, etcdActivity, readEtcdMetrics, type EtcdActivity } from './lib/etcd-metrics.js';
import { etcdTarget } from './lib/etcd-target.js';
import { measureFloor, type FloorResult } from './etcd-floor.js';
import { cpuMsOf, describeContext, rssOf, runContext } from './lib/machine.js';
import { saveResults } from './lib/results.js';
import { formatMiB, formatMs, table } from './lib/stats.js';
import { waitUntil } from './lib/wait.js';
import type { BenchChild } from './hollow/children.js';
import { startHollowCluster } from './hollow/cluster.js';
import { ConvergenceWatch } from './hollow/progress.js';
import { hollowMachines, hollowWorkload } from './hollow/workload.js';

/** CPU and memory of one process over a phase. */
interface ProcUse {
  readonly name: string;
  readonly cpuMs: number;
  readonly rssBytes: number;
}

/** Everything the run measured. */
export interface ScaleResult {
  readonly machines: number;
  readonly units: number;
  readonly entries: number;
  readonly mix: Record<string, number>;
  readonly registerMs: number;
  readonly submitMs: number;
  readonly scheduledMs: number;
  readonly convergedMs: number;
  readonly convergeEtcd: EtcdActivity;
  readonly convergeUse: ProcUse[];
  readonly steadySeconds: number;
  readonly steadyEtcd: EtcdActivity;
  readonly steadyUse: ProcUse[];
  readonly engine: unknown;
  readonly floor: FloorResult[];
  readonly floorMs: number;
}

/** Runs the benchmark with command-line options; prints figures and returns them. */
export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<ScaleResult> {
  const args = new BenchArgs(argv);
  const machineCount = args.number('machines', 1000);
  const unitCount = args.number('units', 10_000);
  const childCount = Math.max(1, Math.min(args.number('children', 4), machineCount));
  const steadySeconds = args.number('steady-seconds', 30);
  const submitConcurrency = args.number('submit-concurrency', 16);
  const agentsPerClient = Math.max(1, args.number('agents-per-client', 1));
  const ttlMs = args.number('agent-ttl', 30) * 1000;
  const timeoutMs = args.number('timeout-seconds', 600) * 1000;
  const profileDir = args.string('profile');
  const execArgv = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
  const ctx = runContext();
  const machines = hollowMachines(machineCount);
  const work = hollowWorkload(unitCount, machines);
  console.log(`scale (hollow hosts): ${machineCount} machines in ${childCount} agent processes + 1 engine process, ${work.units.length} units -> ${work.expectedEntries} schedule entries`);
  console.log(`mix: ${Object.entries(work.mix).map(([k, v]) => `${v} ${k}`).join(', ')}`);
  console.log(describeContext(ctx));

  const etcd = await etcdTarget(args);
  const children: BenchChild[] = [];
  let api: Registry | undefined;
  let watch: ConvergenceWatch | undefined;
  try {
    api = createEtcdRegistry({ endpoints: [etcd.endpoint], requestTimeoutMs: 30_000 });
    const hollow = await startHollowCluster({ endpoint: etcd.endpoint, machines, children: childCount, ttlMs, agentsPerClient, execArgv, timeoutMs }, api);
    const { engine, registerMs } = hollow;
    children.push(...hollow.children);
    console.log(`registered ${machineCount} machines in ${formatMs(registerMs)}`);

    watch = new ConvergenceWatch(api.kv, api.layout);
    await watch.start();
    const use0 = await usage(children, etcd.pid);
    const m0 = await readEtcdMetrics(etcd.endpoint);
    const s0 = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: submitConcurrency }, async () => {
        for (let i = next++; i < work.units.length; i = next++) await api!.api.createUnit(work.units[i]!, 'launched');
      }),
    );
    const submitMs = performance.now() - s0;
    console.log(`submitted ${work.units.length} units in ${formatMs(submitMs)} (${submitConcurrency} in flight)`);
    let scheduledMs = NaN;
    let lastLog = performance.now();
    await waitUntil(
      'all scheduled and running',
      () => {
        const w = watch!;
        if (Number.isNaN(scheduledMs) && w.scheduleCount >= work.expectedEntries) scheduledMs = performance.now() - s0;
        if (performance.now() - lastLog > 10_000) {
          lastLog = performance.now();
          console.log(`  … ${formatMs(performance.now() - s0)}: ${w.scheduleCount}/${work.expectedEntries} scheduled, ${w.runningCount} running`);
        }
        return w.scheduleCount === work.expectedEntries && w.runningCount === work.expectedEntries;
      },
      timeoutMs,
      50,
    );
    const convergedMs = performance.now() - s0;
    const m1 = await readEtcdMetrics(etcd.endpoint);
    const use1 = await usage(children, etcd.pid);
    const convergeEtcd = etcdActivity(m0, m1);
    console.log(`converged: all scheduled after ${formatMs(scheduledMs)}, all ${work.expectedEntries} reported running after ${formatMs(convergedMs)}`);

    await new Promise((r) => setTimeout(r, 2000)); // let stragglers (debounced passes, batches) settle
    const m2 = await readEtcdMetrics(etcd.endpoint);
    const use2 = await usage(children, etcd.pid);
    await new Promise((r) => setTimeout(r, steadySeconds * 1000));
    const m3 = await readEtcdMetrics(etcd.endpoint);
    const use3 = await usage(children, etcd.pid);
    const steadyEtcd = etcdActivity(m2, m3);
    const engineStats = (await engine.stats()).engine;

    // The floor for the same writes: the API's one-unit transactions as 1-key txns (same concurrency),
    // everything else as 128-key txns with 4 in flight.
    const apiTxns = work.units.length;
    const otherKeys = Math.max(0, convergeEtcd.keysWritten - 2 * apiTxns);
    const floor = [await measureFloor(etcd.endpoint, apiTxns, { opsPerTxn: 1, concurrency: submitConcurrency }), await measureFloor(etcd.endpoint, Math.max(128, otherKeys), { opsPerTxn: 128, concurrency: 4 })];
    const floorMs = floor[0]!.ms + (otherKeys / floor[1]!.keysPerSec) * 1000;

    const result: ScaleResult = {
      machines: machineCount,
      units: work.units.length,
      entries: work.expectedEntries,
      mix: work.mix,
      registerMs,
      submitMs,
      scheduledMs,
      convergedMs,
      convergeEtcd,
      convergeUse: diffUse(use0, use1),
      steadySeconds,
      steadyEtcd,
      steadyUse: diffUse(use2, use3),
      engine: engineStats,
      floor,
      floorMs,
    };
    print(result);
    const path = saveResults(`scale-hollow-${machineCount}x${unitCount}`, result, ctx);
    if (path) console.log(`results: ${path}`);
    return result;
  } finally {
    await watch?.close().catch(() => undefined);
    await api?.close().catch(() => undefined);
    await Promise.all(children.map((c) => c.stop()));
    await etcd.stop();
  }
}

async function usage(children: readonly BenchChild[], etcdPid: number | undefined): Promise<ProcUse[]> {
  const out: ProcUse[] = [];
  for (const c of children) {
    const s = await c.stats();
    out.push({ name: c.name, cpuMs: s.usage.cpuMs, rssBytes: s.usage.rssBytes });
  }
  if (etcdPid !== undefined) out.push({ name: 'etcd', cpuMs: cpuMsOf(etcdPid) ?? NaN, rssBytes: rssOf(etcdPid) ?? NaN });
  const c = process.cpuUsage();
  out.push({ name: 'bench (api+watch)', cpuMs: (c.user + c.system) / 1000, rssBytes: process.memoryUsage().rss });
  return out;
}

function diffUse(a: readonly ProcUse[], b: readonly ProcUse[]): ProcUse[] {
  return b.map((x) => ({ name: x.name, cpuMs: x.cpuMs - (a.find((y) => y.name === x.name)?.cpuMs ?? 0), rssBytes: x.rssBytes }));
}

function print(r: ScaleResult): void {
  const cs = r.convergedMs / 1000;
  console.log(`\nconvergence (${formatMs(r.convergedMs)}): etcd ${describeActivity(r.convergeEtcd, cs)}`);
  console.log(`  keys written: ${r.convergeEtcd.keysWritten} (${(r.convergeEtcd.keysWritten / r.units).toFixed(2)} per unit, ${(r.convergeEtcd.keysWritten / r.entries).toFixed(2)} per schedule entry)`);
  console.log(
    table(
      ['process', 'CPU during convergence', 'CPU % of one core', 'RSS after'],
      r.convergeUse.map((u) => [u.name, formatMs(u.cpuMs), `${((u.cpuMs / r.convergedMs) * 100).toFixed(0)} %`, formatMiB(u.rssBytes)]),
    ),
  );
  const ss = r.steadySeconds;
  console.log(`\nsteady state (${ss} s idle): etcd ${describeActivity(r.steadyEtcd, ss)}`);
  console.log(
    table(
      ['process', 'CPU', 'CPU % of one core', 'RSS'],
      r.steadyUse.map((u) => [u.name, formatMs(u.cpuMs), `${((u.cpuMs / (ss * 1000)) * 100).toFixed(1)} %`, formatMiB(u.rssBytes)]),
    ),
  );
  console.log(`\nengine: ${JSON.stringify(r.engine)}`);
  const [api, batch] = r.floor;
  console.log(
    `etcd floor for these writes: ${r.units} one-unit API txns at ${api!.txnsPerSec.toFixed(0)} txns/s (${formatMs(api!.ms)}) + ${Math.max(0, r.convergeEtcd.keysWritten - 2 * r.units)} other keys at ${batch!.keysPerSec.toFixed(0)} keys/s in 128-key txns = ${formatMs(r.floorMs)}`,
  );
  console.log(`converged in ${formatMs(r.convergedMs)} = ${(r.convergedMs / r.floorMs).toFixed(2)} x the floor (target <= 2x); submit alone took ${formatMs(r.submitMs)}`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}

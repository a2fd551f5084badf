/**
 * Placement with priorities (issue 13): the resource workload of
 * `placement-resources.ts` on a full cluster, a tenth of its units at
 * `Priority=100`. For each size (10,000 x 1,000, then 100,000 x 5,000):
 *
 * - from scratch: all units (a tenth at priority 100) onto the empty
 *   cluster, which cannot hold them all; and the same with preemption off;
 * - the tenth arrives: the cluster full and settled with the priority-0
 *   units, then the priority-100 ones arrive (each fits only by
 *   preempting); and the same with preemption off (they only wait);
 * - settled after: the cluster after that plan, a full pass (0 decisions
 *   but the one nudged unit) and the same input again.
 *
 *   npm run build && node dist/bench/placement-preemption.js [--quick]
 *       [--units 100000] [--machines 5000] [--full-runs 5] [--full-warmup 1]
 *       [--cases scratch,arrive,settled] [--small-units 10000] [--small-machines 1000] [--runs 9] [--warmup 3]
 *
 * `--quick`: 3,000 x 150 only, one run (a smoke run). `--units 0` skips the
 * full size, `--small-units 0` the small one. `--cases scratch,arrive,settled`
 * picks cases (the plan of the arrival is made whatever the cases).
 *
 * The small size is timed like `placement.ts`' 10,000 x 1,000 (issue 12's
 * figure): 3 warm-up and 9 timed runs. With 1 and 3, its first case (from
 * scratch) paid for compiling the planner: its runs cost 430, 250, 190 ms
 * process CPU against 130-165 ms on the planning thread, and whichever
 * case came first showed 243-277 ms instead of 133-156 ms (model2's
 * measurements, 2026-12-04). An engine plans with warm code after its
 * first passes. The full size is timed like `placement-resources.ts` times
 * issue 12's 100,000 x 5,000 figure: 1 warm-up and 5 timed runs. It was 1
 * timed run and no warm-up, one sample, which gave 1.55 and 1.24 s in two
 * quiet runs of the same code (2026-12-04 20:01-20:12 UTC).
 */
import { pathToFileURL } from 'node:url';
import { applyPlan, parsePolicy, planSchedule } from '../src/scheduler/index.js';
import type { ClusterSnapshot, Plan, UnitSnapshot } from '../src/scheduler/index.js';
import { nudged, timePlanning, type BenchResult } from './placement.js';
import { buildResourceSnapshot } from './placement-resources.js';
import { BenchArgs } from './lib/args.js';
import { describeContext, runContext } from './lib/machine.js';
import { saveResults } from './lib/results.js';

/**
 * The settled cluster and the cluster after the important units arrive.
 * `settled`: the resource workload at `units` x 1.6 (it fills about 60% of
 * the cluster at `units`, so this overfills it) keeping the units that got
 * a machine, all at priority 0; `arriving`: a tenth as many again at
 * priority 100 (copies of kept units with requests, so each needs room that
 * only preempting makes). The tests' and digests' workload; the bench uses
 * {@link buildFullCluster}.
 */
export function buildPreemptionSnapshots(units: number, machines: number, seed?: number): { settled: ClusterSnapshot; arriving: ClusterSnapshot } {
  const base = buildResourceSnapshot({ units: Math.ceil(units * 1.6), machines, ...(seed !== undefined ? { seed } : {}) });
  const settled = settle(base);
  return { settled, arriving: arrive(settled, Math.ceil(settled.units.length / 10)) };
}

/** The bench's clusters of {@link buildFullCluster}. */
export interface FullCluster {
  /** Every unit (a tenth at priority 100) onto the empty cluster. */
  readonly scratch: ClusterSnapshot;
  /** The priority-0 units that fit, settled: the cluster is full. */
  readonly settled: ClusterSnapshot;
  /** `settled` plus the priority-100 units: a tenth of all units. */
  readonly arriving: ClusterSnapshot;
  /** What the machines' capacity was scaled by. */
  readonly scale: number;
}

/**
 * About `units` units on `machines` machines, a tenth at priority 100, on a
 * full cluster: the resource workload at `units`, with every machine's
 * capacity scaled so that the workload asks 15% more than the cluster has
 * (of its scarcer resource); the units that fit are settled at priority 0,
 * then a ninth as many arrive at priority 100 (a tenth of the total).
 */
export function buildFullCluster(units: number, machines: number, seed?: number): FullCluster {
  const base = buildResourceSnapshot({ units, machines, ...(seed !== undefined ? { seed } : {}) });
  const scale = demandShare(base) / 1.15;
  const scaled: ClusterSnapshot = {
    ...base,
    machines: base.machines.map((m) => ({ ...m, capacity: Object.fromEntries(Object.entries(m.capacity ?? {}).map(([k, v]) => [k, v * scale])) })),
  };
  const settled = settle(scaled);
  const arriving = arrive(settled, Math.ceil(settled.units.length / 9));
  return { scratch: { ...arriving, schedule: new Map() }, settled, arriving, scale };
}

/** The largest over resources of the workload's total requests divided by the cluster's total capacity. */
function demandShare(s: ClusterSnapshot): number {
  const asked = new Map<string, number>();
  const has = new Map<string, number>();
  for (const m of s.machines) for (const [k, v] of Object.entries(m.capacity ?? {})) has.set(k, (has.get(k) ?? 0) + v);
  for (const u of s.units) {
    const times = u.requirements.global ? s.machines.length : 1;
    for (const [k, v] of Object.entries(u.requirements.resources ?? {})) asked.set(k, (asked.get(k) ?? 0) + v * times);
  }
  let share = 0;
  for (const [k, v] of asked) share = Math.max(share, v / (has.get(k) ?? Infinity));
  return share;
}

/** `base` planned from scratch, keeping only the units that got a machine. */
function settle(base: ClusterSnapshot): ClusterSnapshot {
  const placed = applyPlan(base, planSchedule(base));
  return { ...base, units: base.units.filter((u) => placed.schedule.has(u.name)), schedule: placed.schedule };
}

/** `settled` plus `count` priority-100 copies (`vip-NAME`) of its ordinary units with requests, evenly picked. */
function arrive(settled: ClusterSnapshot, count: number): ClusterSnapshot {
  const low = settled.units;
  const withRequests = low.filter((u) => !u.requirements.global && u.requirements.resources !== undefined);
  const step = Math.max(1, Math.floor(withRequests.length / count));
  const important: UnitSnapshot[] = withRequests
    .filter((_, i) => i % step === 0)
    .slice(0, count)
    .map((u) => ({ ...u, name: `vip-${u.name}`, requirements: { ...u.requirements, priority: 100 } }));
  return { ...settled, units: [...low, ...important] };
}

/** The snapshot with `"preemption": false` (the resource workload spreads by az). */
function preemptionOff(s: ClusterSnapshot): ClusterSnapshot {
  return { ...s, policy: parsePolicy({ ...(s.policy?.spreadBy !== undefined ? { spreadBy: s.policy.spreadBy } : {}), preemption: false }) };
}

/** A cluster with nothing in it: planned between timed runs so each is a full pass over units it has not seen. */
const EMPTY: ClusterSnapshot = { machines: [], units: [], schedule: new Map() };

const cpuS = (c: NodeJS.CpuUsage) => ((c.user + c.system) / 1e6).toFixed(1);

const fmt = (r: BenchResult) =>
  `median ${r.medianMs.toFixed(1)} ms (cpu ${r.medianCpuMs.toFixed(1)} ms), min ${r.minMs.toFixed(1)} ms, ${r.decisions} decisions, ${r.unplaced} unplaced`;

const preempted = (plan: Plan) => `${(plan.preemptions ?? []).length} preemptions, ${(plan.preemptions ?? []).reduce((n, p) => n + p.victims.length, 0)} victims`;

/** Builds the clusters of `units` x `machines` and times every case; returns the figures. */
function runSize(units: number, machines: number, runs: number, warmup: number, cases: readonly string[]): Record<string, unknown> {
  console.log(describeContext(runContext()));
  const c0 = process.cpuUsage();
  const cluster = buildFullCluster(units, machines);
  const { scratch, settled, arriving } = cluster;
  const vips = arriving.units.length - settled.units.length;
  console.log(
    `placement-preemption ${units} x ${machines}: ${settled.units.length} priority-0 units fill the cluster (capacity x ${cluster.scale.toFixed(3)}), ` +
      `${vips} arrive at priority 100 (${arriving.units.length} units in all; ${runs} timed runs after ${warmup} warm-up; built in ${cpuS(process.cpuUsage(c0))} s cpu)`,
  );
  const out: Record<string, unknown> = { units, machines, scale: cluster.scale, lowUnits: settled.units.length, vips, runs, warmup };
  const time = (name: string, label: string, input: ClusterSnapshot, between: ClusterSnapshot) => {
    const r = timePlanning(input, runs, warmup, between);
    console.log(`  ${label.padEnd(40)} ${fmt(r)}`);
    out[name] = r;
    return r;
  };

  if (cases.includes('scratch')) {
    const fromScratch = planSchedule(scratch);
    console.log(`  from scratch: ${preempted(fromScratch)}`);
    out['scratchPreemptions'] = (fromScratch.preemptions ?? []).length;
    time('scratch', 'from scratch:', scratch, EMPTY);
    time('scratchOff', 'from scratch, preemption off:', preemptionOff(scratch), EMPTY);
  }

  const plan = planSchedule(arriving);
  console.log(`  the tenth arrives: ${preempted(plan)}`);
  out['preemptions'] = (plan.preemptions ?? []).length;
  out['victims'] = (plan.preemptions ?? []).reduce((n, p) => n + p.victims.length, 0);
  // The engine's previous pass saw the settled cluster.
  if (cases.includes('arrive')) {
    time('arrive', 'the tenth arrives (pass that preempts):', arriving, settled);
    time('arriveOff', 'the tenth arrives, preemption off:', preemptionOff(arriving), settled);
  }
  if (cases.includes('settled')) {
    const after = applyPlan(arriving, plan);
    time('settledFull', 'settled after, full pass:', after, nudged(after));
    time('settledSame', 'settled after, same input:', after, after);
  }
  console.log(`  (${cpuS(process.cpuUsage(c0))} s cpu for this size)`);
  console.log(describeContext(runContext()));
  return out;
}

function main(): void {
  const args = new BenchArgs();
  const quick = args.bool('quick', false);
  const units = quick ? 0 : args.number('units', 100_000);
  const machines = args.number('machines', 5_000);
  const smallUnits = quick ? 3_000 : args.number('small-units', 10_000);
  const smallMachines = quick ? 150 : args.number('small-machines', 1_000);
  const cases = args.list('cases', ['scratch', 'arrive', 'settled']);
  const ctx = runContext();
  const small = smallUnits > 0 ? runSize(smallUnits, smallMachines, quick ? 1 : args.number('runs', 9), quick ? 0 : args.number('warmup', 3), cases) : undefined;
  const full = units > 0 ? runSize(units, machines, args.number('full-runs', 5), args.number('full-warmup', 1), cases) : undefined;
  if (!quick) saveResults('placement-preemption', { small, full }, ctx);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) main();

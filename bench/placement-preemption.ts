/**
 * Placement with priorities (issue 13): the resource workload of
 * `placement-resources.ts` grown until the cluster is full, all at priority
 * 0 and settled; then a tenth more units arrive at `Priority=100`, each of
 * which fits only by preempting. Times the pass that preempts, the settled
 * re-plan after it (no decisions), and the same pass with the policy
 * switch off (the newcomers just wait).
 *
 *   npm run build && node dist/bench/placement-preemption.js [--units 100000] [--machines 5000] [--runs 3] [--warmup 1]
 *       [--small-units 3000] [--small-machines 150]
 *
 * `--units` is the size of the resource workload whose 1.6-fold overfills
 * the cluster; the small case runs first (`--small-units 0` skips it,
 * `--units 0` the large one).
 */
import { pathToFileURL } from 'node:url';
import { applyPlan, parsePolicy, planSchedule } from '../src/scheduler/index.js';
import type { ClusterSnapshot, UnitSnapshot } from '../src/scheduler/index.js';
import { timePlanning, type BenchResult } from './placement.js';
import { buildResourceSnapshot } from './placement-resources.js';
import { BenchArgs } from './lib/args.js';
import { describeContext, runContext } from './lib/machine.js';
import { saveResults } from './lib/results.js';

/**
 * The full, settled cluster: the resource workload at `units` x 1.6 (it
 * fills about 60% of the cluster at `units`, so this overfills it), keeping
 * the units that got a machine; then a tenth as many again at priority 100
 * (copies of kept units with requests, so each needs room that only
 * preempting makes).
 */
export function buildPreemptionSnapshots(units: number, machines: number, seed?: number): { settled: ClusterSnapshot; arriving: ClusterSnapshot } {
  const base = buildResourceSnapshot({ units: Math.ceil(units * 1.6), machines, ...(seed !== undefined ? { seed } : {}) });
  const placed = applyPlan(base, planSchedule(base));
  const low = base.units.filter((u) => placed.schedule.has(u.name));
  const settled: ClusterSnapshot = { ...base, units: low, schedule: placed.schedule };
  const withRequests = low.filter((u) => !u.requirements.global && u.requirements.resources !== undefined);
  const step = Math.max(1, Math.floor(withRequests.length / Math.ceil(low.length / 10)));
  const important: UnitSnapshot[] = withRequests
    .filter((_, i) => i % step === 0)
    .slice(0, Math.ceil(low.length / 10))
    .map((u) => ({ ...u, name: `vip-${u.name}`, requirements: { ...u.requirements, priority: 100 } }));
  return { settled, arriving: { ...settled, units: [...low, ...important] } };
}

const fmt = (r: BenchResult) =>
  `median ${r.medianMs.toFixed(1)} ms (cpu ${r.medianCpuMs.toFixed(1)} ms), min ${r.minMs.toFixed(1)} ms, ${r.decisions} decisions, ${r.unplaced} unplaced`;

/** Builds the full cluster of `units` x `machines`, lets the tenth arrive and times the three passes; returns the figures. */
function runSize(units: number, machines: number, runs: number, warmup: number): Record<string, unknown> {
  console.log(describeContext(runContext()));
  const built = process.cpuUsage();
  const { settled, arriving } = buildPreemptionSnapshots(units, machines);
  const buildCpu = process.cpuUsage(built);
  const vips = arriving.units.length - settled.units.length;
  console.log(`placement-preemption: ${settled.units.length} priority-0 units filling ${machines} machines, then ${vips} at priority 100 (${runs} timed runs after ${warmup} warm-up; built in ${((buildCpu.user + buildCpu.system) / 1e6).toFixed(1)} s cpu)`);
  const before = planSchedule(settled);
  console.log(`  full cluster, settled:   ${before.decisions.length} decisions, ${before.unplaced.length} unplaced`);
  const plan = planSchedule(arriving);
  const preempted = (plan.preemptions ?? []).reduce((n, p) => n + p.victims.length, 0);
  console.log(`  the tenth arrives:       ${(plan.preemptions ?? []).length} preemptions, ${preempted} victims`);
  const arrive = timePlanning(arriving, runs, warmup);
  console.log(`    pass that preempts:    ${fmt(arrive)}`);
  const after = applyPlan(arriving, plan);
  const resettled = timePlanning(after, runs, warmup);
  console.log(`    settled re-plan after: ${fmt(resettled)}`);
  const off = timePlanning({ ...arriving, policy: parsePolicy({ ...policyDoc(arriving), preemption: false }) }, runs, warmup);
  console.log(`    same, preemption off:  ${fmt(off)}`);
  console.log(describeContext(runContext()));
  return { units, machines, lowUnits: settled.units.length, runs, warmup, vips, preemptions: (plan.preemptions ?? []).length, victims: preempted, arrive, resettled, off };
}

function main(): void {
  const args = new BenchArgs();
  const units = args.number('units', 100_000);
  const machines = args.number('machines', 5_000);
  const runs = args.number('runs', 3);
  const warmup = args.number('warmup', 1);
  // The small case (README's first figures) runs first unless `--small-units 0`.
  const smallUnits = args.number('small-units', 3_000);
  const smallMachines = args.number('small-machines', 150);
  const ctx = runContext();
  const small = smallUnits > 0 ? runSize(smallUnits, smallMachines, runs, warmup) : undefined;
  const full = units > 0 ? runSize(units, machines, runs, warmup) : undefined;
  saveResults('placement-preemption', { small, full }, ctx);
}

/** The snapshot's policy as a document (the resource workload spreads by az). */
function policyDoc(s: ClusterSnapshot): Record<string, unknown> {
  return s.policy?.spreadBy !== undefined ? { spreadBy: s.policy.spreadBy } : {};
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) main();

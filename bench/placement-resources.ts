/**
 * Resource-aware placement benchmark (issue 12): plans a large cluster whose
 * units request cpu and memory, with metadata constraints, conflicts and a
 * `spreadBy` policy, from scratch and settled; and measures how tightly
 * `binpack` packs a generated workload.
 *
 *   npm run build && node dist/bench/placement-resources.js [--units 100000] [--machines 5000] [--runs 5]
 */
import { pathToFileURL } from 'node:url';
import { NO_REQUIREMENTS, type UnitRequirements } from '../src/units/requirements.js';
import { applyPlan, parsePolicy, planSchedule } from '../src/scheduler/index.js';
import type { ClusterSnapshot, MachineSnapshot, UnitSnapshot } from '../src/scheduler/index.js';
import { asEngineBuilds, buildPlacementSnapshot, freshUnits, moved, timePlanning, type BenchResult } from './placement.js';
import { BenchArgs } from './lib/args.js';
import { describeContext, runContext } from './lib/machine.js';
import { saveResults } from './lib/results.js';
import { Rng } from './lib/rng.js';

const GiB = 2 ** 30;
const MiB = 2 ** 20;

/** Size of the generated cluster. */
export interface ResourceBenchSize {
  readonly units: number;
  readonly machines: number;
  readonly seed?: number;
}

/**
 * A deterministic snapshot with an empty schedule and the policy
 * `{"strategy":"spread","spreadBy":"az"}`. Machines: 16 cores / 64 GiB
 * (a quarter 32 / 128), metadata `az` a/b/c, `region` eu/us, `disk=ssd` on
 * ~30%. Units (requests 0.1-2 cores, 128 MiB-4 GiB, about 60% of the
 * cluster in total): 2 global agents requesting 0.1 core / 128 MiB; ~40%
 * instances of 200 templates (`svc-T@N`, spread by az); ~10% pinned to a
 * region; ~5% `db@N` needing ssd with `Conflicts=db@*`; ~5% `cache@N` with
 * `Conflicts=cache@*`; ~10% best effort (no requests); the rest plain
 * services with requests.
 */
export function buildResourceSnapshot(size: ResourceBenchSize): ClusterSnapshot {
  const r = new Rng(size.seed ?? 7);
  const machines: MachineSnapshot[] = [];
  for (let i = 0; i < size.machines; i++) {
    const big = r.chance(0.25);
    const metadata: Record<string, string> = { az: r.pick(['a', 'b', 'c']), region: r.pick(['eu', 'us']) };
    if (r.chance(0.3)) metadata['disk'] = 'ssd';
    machines.push({ id: machineId(i), metadata, capacity: big ? { cpu: 32, memory: 128 * GiB } : { cpu: 16, memory: 64 * GiB } });
  }
  const units: UnitSnapshot[] = [];
  const requests = () => ({ cpu: r.pick([0.1, 0.25, 0.5, 1, 2]), memory: r.pick([128, 256, 512, 1024, 2048, 4096]) * MiB });
  const add = (name: string, req: Partial<UnitRequirements>) =>
    units.push({ name, desiredState: 'launched', requirements: { ...NO_REQUIREMENTS, ...req } });
  add('node-agent.service', { global: true, resources: { cpu: 0.1, memory: 128 * MiB } });
  add('log-shipper.service', { global: true, resources: { cpu: 0.1, memory: 128 * MiB } });
  const n = Math.max(0, size.units - units.length);
  const share = (f: number) => Math.floor(n * f);
  const templates = 200;
  for (let i = 0; i < share(0.4); i++) add(`svc-${i % templates}@${Math.floor(i / templates)}.service`, { resources: requests() });
  for (let i = 0; i < share(0.1); i++) add(`api-${i}.service`, { metadata: new Map([['region', [r.pick(['eu', 'us'])]]]), resources: requests() });
  for (let i = 0; i < share(0.05); i++) add(`db@${i}.service`, { metadata: new Map([['disk', ['ssd']]]), conflicts: ['db@*.service'], resources: requests() });
  for (let i = 0; i < share(0.05); i++) add(`cache@${i}.service`, { conflicts: ['cache@*.service'], resources: requests() });
  for (let i = 0; i < share(0.1); i++) add(`batch-${i}.service`, {});
  for (let i = 0; units.length < size.units; i++) add(`job-${i}.service`, { resources: requests() });
  return { machines, units, schedule: new Map(), policy: parsePolicy({ strategy: 'spread', spreadBy: 'az' }) };
}

/**
 * The packing workload: `units` plain units with cpu/memory requests onto
 * `machines` equal machines (16 cores / 64 GiB), strategy binpack. Returns
 * the machines binpack used and the lower bound: for the scarcest resource,
 * total requests / machine size, rounded up.
 */
export function packingRatio(units: number, machines: number, seed = 11): { used: number; lowerBound: number; ratio: number; unplaced: number } {
  const r = new Rng(seed);
  const size = { cpu: 16, memory: 64 * GiB };
  const ms: MachineSnapshot[] = [];
  for (let i = 0; i < machines; i++) ms.push({ id: machineId(i), metadata: {}, capacity: size });
  const us: UnitSnapshot[] = [];
  const total = { cpu: 0, memory: 0 };
  for (let i = 0; i < units; i++) {
    const req = { cpu: r.pick([0.25, 0.5, 1, 2, 4]), memory: r.pick([256, 512, 1024, 2048, 4096, 8192]) * MiB };
    total.cpu += req.cpu;
    total.memory += req.memory;
    us.push({ name: `w-${i}.service`, desiredState: 'launched', requirements: { ...NO_REQUIREMENTS, resources: req } });
  }
  const plan = planSchedule({ machines: ms, units: us, schedule: new Map(), policy: parsePolicy({ strategy: 'binpack' }) });
  const used = new Set(plan.decisions.filter((d) => d.kind === 'schedule').map((d) => d.machine)).size;
  const lowerBound = Math.ceil(Math.max(total.cpu / size.cpu, total.memory / size.memory));
  return { used, lowerBound, ratio: used / lowerBound, unplaced: plan.unplaced.length };
}

function machineId(i: number): string {
  return i.toString(16).padStart(32, '0');
}

const fmt = (r: BenchResult) =>
  `median ${r.medianMs.toFixed(1)} ms (cpu ${r.medianCpuMs.toFixed(1)} ms), min ${r.minMs.toFixed(1)} ms, ${r.decisions} decisions, ${r.unplaced} unplaced [${r.kinds}]`;

function main(): void {
  const args = new BenchArgs();
  const units = args.number('units', 100_000);
  const machines = args.number('machines', 5_000);
  const runs = args.number('runs', 5);
  const ctx = runContext();
  console.log(describeContext(ctx));
  console.log(`placement-resources: ${units} units with requests onto ${machines} machines, spreadBy az (${runs} timed runs after 1 warm-up)`);
  const snapshot = buildResourceSnapshot({ units, machines });
  const settledSnap = applyPlan(snapshot, planSchedule(snapshot));
  // Each timed pass plans another input than the pass before it (which it plans untimed), except the "same input" case.
  const scratch = timePlanning(snapshot, runs, 1, settledSnap);
  console.log(describeContext(runContext()));
  console.log(`  from scratch:            ${fmt(scratch)}`);
  const scratchNew = timePlanning(() => freshUnits(snapshot), runs, 1);
  console.log(`  from scratch, new units: ${fmt(scratchNew)}`);
  // As in an engine: each pass gets a snapshot built anew; the pass before it saw one unit on another machine
  // (so the timed pass moves that unit back and redoes the two machines involved, see `carry.ts`).
  const settledFull = timePlanning(() => asEngineBuilds(settledSnap), runs, 1, moved(settledSnap));
  console.log(`  settled, one entry moved: ${fmt(settledFull)}`);
  const settled = timePlanning(() => asEngineBuilds(settledSnap), runs, 1);
  console.log(`  settled, same input:     ${fmt(settled)}`);
  // A unit submitted to the settled cluster: the units changed, so today a full pass (the unit model reused for the others).
  const added = { ...settledSnap, units: [...settledSnap.units, { name: 'zz-new.service', desiredState: 'launched' as const, requirements: { ...NO_REQUIREMENTS, resources: { cpu: 1, memory: GiB } } }] };
  const addedOne = timePlanning(() => asEngineBuilds(added), runs, 1, settledSnap);
  console.log(`  settled, one unit added: ${fmt(addedOne)}`);
  const base = buildPlacementSnapshot({ units: 10_000, machines: 1_000 });
  const small = timePlanning(base, 9, 3, applyPlan(base, planSchedule(base)));
  console.log(`  10,000 x 1,000 (placement bench, no requests): ${fmt(small)}`);
  const pu = args.number('packing-units', 5_000);
  const packing = packingRatio(pu, Math.ceil(pu / 4));
  console.log(`  packing (binpack, ${pu} units, equal 16-core/64-GiB machines): ${packing.used} machines used, lower bound ${packing.lowerBound}, ratio ${packing.ratio.toFixed(3)} (goal <= 1.15), ${packing.unplaced} unplaced`);
  saveResults('placement-resources', { units, machines, runs, scratch, scratchNew, settledFull, settled, addedOne, small, packing }, ctx);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) main();

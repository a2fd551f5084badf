/**
 * Placement benchmark: plans 10,000 units onto 1,000 machines from scratch
 * (no current schedule) with a realistic mix of constraints, then re-plans
 * the settled cluster (which must produce no decisions). Prints median and
 * minimum wall time over several runs after a warm-up.
 *
 *   npm run build && node dist/bench/placement.js [units] [machines]
 */
import { pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';
import { NO_REQUIREMENTS, type UnitRequirements } from '../src/units/requirements.js';
import { applyPlan, planSchedule } from '../src/scheduler/index.js';
import { lastPassKind } from '../src/scheduler/planner.js';
import type { ClusterSnapshot, MachineSnapshot, UnitSnapshot } from '../src/scheduler/index.js';
import { describeContext, runContext } from './lib/machine.js';

/** Size of the generated cluster. */
export interface BenchSize {
  readonly units: number;
  readonly machines: number;
  /** PRNG seed; the same seed gives the same snapshot. */
  readonly seed?: number;
}

/**
 * A deterministic snapshot with an empty schedule. Machines carry
 * `region` (eu/us/ap), `disk=ssd` on ~30% and `role=edge` on ~10%. Units:
 * 4 global units (two of them conflicting, one edge-only); ~8% `web@N`
 * spread by `Conflicts=web@*`; ~20% pinned to a region; ~5% needing ssd and
 * conflicting with `db@*`; ~20% in `app@N` + `app-sidekick@N` MachineOf
 * pairs; ~1% `worker-v2@N` replacing `worker-v1@N`; a few pinned to a
 * machine (one to a missing machine); the rest unconstrained.
 */
export function buildPlacementSnapshot(size: BenchSize): ClusterSnapshot {
  const rand = mulberry32(size.seed ?? 42);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const machines: MachineSnapshot[] = [];
  for (let i = 0; i < size.machines; i++) {
    const metadata: Record<string, string> = { region: pick(['eu', 'us', 'ap']) };
    if (rand() < 0.3) metadata['disk'] = 'ssd';
    if (rand() < 0.1) metadata['role'] = 'edge';
    machines.push({ id: hexId(rand), metadata });
  }

  const units: UnitSnapshot[] = [];
  const add = (name: string, req: Partial<UnitRequirements> = {}) =>
    units.push({ name, desiredState: rand() < 0.1 ? 'loaded' : 'launched', requirements: { ...NO_REQUIREMENTS, ...req } });
  add('journald-forwarder.service', { global: true });
  add('edge-proxy.service', { global: true, metadata: new Map([['role', ['edge']]]) });
  add('legacy-exporter.service', { global: true, metadata: new Map([['disk', ['ssd']]]), conflicts: ['node-exporter.service'] });
  add('node-exporter.service', { global: true });

  const n = Math.max(0, size.units - units.length);
  const share = (f: number) => Math.floor(n * f);
  for (let i = 0; i < share(0.08); i++) add(`web@${i}.service`, { conflicts: ['web@*.service'] });
  for (let i = 0; i < share(0.2); i++) {
    const region = pick(['eu', 'us', 'ap']);
    add(`api-${region}@${i}.service`, { metadata: new Map([['region', [region]]]) });
  }
  for (let i = 0; i < share(0.05); i++) add(`db@${i}.service`, { metadata: new Map([['disk', ['ssd']]]), conflicts: ['db@*.service'] });
  for (let i = 0; i < share(0.1); i++) {
    add(`app@${i}.service`);
    add(`app-sidekick@${i}.service`, { machineOf: [`app@${i}.service`] });
  }
  for (let i = 0; i < share(0.005); i++) {
    add(`worker-v1@${i}.service`);
    add(`worker-v2@${i}.service`, { replaces: [`worker-v1@${i}.service`] });
  }
  for (let i = 0; i < 10; i++) add(`pinned@${i}.service`, { machineId: machines[i % Math.max(1, machines.length)]?.id ?? 'none' });
  add('pinned-missing.service', { machineId: 'ffffffffffffffffffffffffffffffff' });
  for (let i = 0; units.length < size.units; i++) add(`svc-${i}.service`);
  return { machines, units, schedule: new Map() };
}

/** Timing of one scenario, in milliseconds. */
export interface BenchResult {
  readonly medianMs: number;
  readonly minMs: number;
  /** Median CPU time (user + system) of this process per run: on a shared machine, what the planner itself cost. */
  readonly medianCpuMs: number;
  readonly decisions: number;
  readonly unplaced: number;
  /** How the timed passes were planned (`lastPassKind`): from scratch ('full'), from the previous pass ('incremental'), or the previous plan ('same-input'). */
  readonly kinds: string;
}

/**
 * Plans `warmup + runs` times and times the last `runs`. `input`: the
 * snapshot, or a function building it afresh before each run (untimed).
 * `between`: a snapshot planned (untimed) before each run, so the run is a
 * full pass and not the previous pass's answer (the planner answers an
 * unchanged input from its previous pass; see `same-input.ts`).
 */
export function timePlanning(input: ClusterSnapshot | (() => ClusterSnapshot), runs: number, warmup: number, between?: ClusterSnapshot): BenchResult {
  const next = typeof input === 'function' ? input : () => input;
  const once = (): { plan: ReturnType<typeof planSchedule>; ms: number; cpuMs: number; kind: string } => {
    const snapshot = next();
    if (between !== undefined) planSchedule(between);
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const plan = planSchedule(snapshot);
    const ms = performance.now() - t0;
    const c = process.cpuUsage(c0);
    return { plan, ms, cpuMs: (c.user + c.system) / 1000, kind: lastPassKind() };
  };
  let plan: ReturnType<typeof planSchedule> | undefined;
  for (let i = 0; i < warmup; i++) plan = once().plan;
  const times: number[] = [];
  const cpu: number[] = [];
  const kinds = new Set<string>();
  for (let i = 0; i < runs; i++) {
    const r = once();
    plan = r.plan;
    kinds.add(r.kind);
    times.push(r.ms);
    cpu.push(r.cpuMs);
  }
  times.sort((a, b) => a - b);
  cpu.sort((a, b) => a - b);
  return {
    medianMs: times[Math.floor(times.length / 2)]!,
    minMs: times[0]!,
    medianCpuMs: cpu[Math.floor(cpu.length / 2)]!,
    decisions: plan!.decisions.length,
    unplaced: plan!.unplaced.length,
    kinds: [...kinds].sort().join('+'),
  };
}

/**
 * A copy of `snapshot` built the way the engine builds one each pass
 * (`src/engine/snapshot.ts`): new machine and unit objects, a new schedule
 * map with new lists, a policy parsed anew; only each unit's requirements
 * object is the same (the engine memoises it per unit text). The planner
 * then compares by content, as it must for an engine.
 */
export function asEngineBuilds(snapshot: ClusterSnapshot): ClusterSnapshot {
  const schedule = new Map<string, readonly string[]>();
  for (const [unit, ids] of snapshot.schedule) schedule.set(unit, [...ids]);
  return {
    machines: snapshot.machines.map((m) => ({ ...m, metadata: { ...m.metadata }, ...(m.capacity !== undefined ? { capacity: { ...m.capacity } } : {}) })),
    units: snapshot.units.map((u) => ({ ...u })),
    schedule,
    ...(snapshot.policy !== undefined ? { policy: { ...snapshot.policy } } : {}),
  };
}

/** `snapshot` with its units as new objects (new requirements objects too): units the planner has never seen. */
export function freshUnits(snapshot: ClusterSnapshot): ClusterSnapshot {
  return { ...snapshot, units: snapshot.units.map((u) => ({ ...u, requirements: { ...u.requirements } })) };
}

/** `snapshot` with the first scheduled unit's entry gone (one change elsewhere): planning it is a full pass over the same units. */
export function nudged(snapshot: ClusterSnapshot): ClusterSnapshot {
  const schedule = new Map(snapshot.schedule);
  const first = schedule.keys().next();
  if (first.done !== true) schedule.delete(first.value);
  return { ...snapshot, schedule };
}

/**
 * `snapshot` with the first scheduled unit's entry naming another machine
 * instead (one change, the schedule's size unchanged, as when the engine
 * moves a unit): the pass after it moves that unit back.
 */
export function moved(snapshot: ClusterSnapshot): ClusterSnapshot {
  const schedule = new Map(snapshot.schedule);
  const first = schedule.entries().next();
  if (first.done !== true) {
    const [unit, ids] = first.value;
    const other = snapshot.machines.find((m) => !ids.includes(m.id));
    if (other !== undefined) schedule.set(unit, [other.id]);
  }
  return { ...snapshot, schedule };
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function hexId(rand: () => number): string {
  let s = '';
  for (let i = 0; i < 32; i++) s += Math.floor(rand() * 16).toString(16);
  return s;
}

/** `units` instances of one template spread by `Conflicts=web@*`: more instances than machines. */
export function buildOversubscribedSnapshot(size: BenchSize): ClusterSnapshot {
  const machines = buildPlacementSnapshot({ ...size, units: 0 }).machines;
  const units: UnitSnapshot[] = [];
  for (let i = 0; i < size.units; i++) {
    units.push({ name: `web@${i}.service`, desiredState: 'launched', requirements: { ...NO_REQUIREMENTS, conflicts: ['web@*.service'] } });
  }
  return { machines, units, schedule: new Map() };
}

function main(): void {
  const units = Number(process.argv[2] ?? 10_000);
  const machines = Number(process.argv[3] ?? 1_000);
  const snapshot = buildPlacementSnapshot({ units, machines });
  const fmt = (r: BenchResult) =>
    `median ${r.medianMs.toFixed(1)} ms (cpu ${r.medianCpuMs.toFixed(1)} ms), min ${r.minMs.toFixed(1)} ms, ${r.decisions} decisions, ${r.unplaced} unplaced [${r.kinds}]`;
  console.log(describeContext(runContext()));
  console.log(`placement: ${units} units onto ${machines} machines (node ${process.version}, 3 warm-up + 9 timed runs each)`);
  const settled = applyPlan(snapshot, planSchedule(snapshot));
  console.log(`  from scratch:            ${fmt(timePlanning(snapshot, 9, 3, settled))}`);
  console.log(`  from scratch, new units: ${fmt(timePlanning(() => freshUnits(snapshot), 9, 3))}`);
  // As in an engine: each pass gets a snapshot built anew, and the pass before it saw one unit on another machine.
  console.log(`  settled, one entry moved: ${fmt(timePlanning(() => asEngineBuilds(settled), 9, 3, moved(settled)))}`);
  console.log(`  settled, same input:     ${fmt(timePlanning(() => asEngineBuilds(settled), 9, 3))}`);
  const lost = Math.ceil(machines / 100);
  const shrunk = { ...settled, machines: settled.machines.slice(lost) };
  console.log(`  after losing ${lost} machines: ${fmt(timePlanning(shrunk, 9, 3, settled))}`);
  const web = buildOversubscribedSnapshot({ units, machines });
  console.log(`  one spread template:     ${fmt(timePlanning(web, 9, 3, settled))}`);
  console.log(describeContext(runContext()));
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) main();

/**
 * Plan digests for equivalence checks: runs the placement generators
 * (`placement.ts`, `placement-resources.ts`, `placement-preemption.ts`) at
 * several seeds, sizes and policies through a sequence of passes (from
 * scratch, settled, machines lost, units stopped and added with some
 * machines shrunk, a new global unit) in one process, and prints a hash of
 * every plan (decisions with reasons, explanations, warnings, preemptions).
 * A speed change to the planner must leave every hash as it was:
 *
 *   node dist/bench/placement-digest.js --save before.json   # on the old code
 *   node dist/bench/placement-digest.js --check before.json  # on the new code
 *
 * `--large` adds the 100,000 x 5,000 resource workload (slow); `--only
 * SUBSTRING` runs the matching cases.
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { NO_REQUIREMENTS } from '../src/units/requirements.js';
import { applyPlan, parsePolicy, planSchedule } from '../src/scheduler/index.js';
import type { ClusterSnapshot, Plan, UnitSnapshot } from '../src/scheduler/index.js';
import { buildOversubscribedSnapshot, buildPlacementSnapshot } from './placement.js';
import { buildResourceSnapshot } from './placement-resources.js';
import { buildPreemptionSnapshots } from './placement-preemption.js';
import { BenchArgs } from './lib/args.js';

/** One case: a name and the snapshot its passes start from. */
interface DigestCase {
  readonly name: string;
  readonly start: () => ClusterSnapshot;
  /** Only scratch and settled passes (large cases). */
  readonly short?: boolean;
}

/** A short, stable hash of everything a plan says. */
export function planDigest(plan: Plan): string {
  return createHash('sha256').update(JSON.stringify(plan)).digest('hex').slice(0, 16);
}

/**
 * The passes of one case, each planned from the previous pass's applied
 * plan: scratch, settled, 1% of machines lost, 5% of units stopped plus 3%
 * new units and every 7th machine's capacity halved, then a new global unit
 * with requests whose name sorts first.
 */
export function digestPasses(
  start: ClusterSnapshot,
  short = false,
  onPass?: (pass: string, snapshot: ClusterSnapshot, plan: Plan) => void,
): Array<{ pass: string; digest: string; decisions: number; unplaced: number }> {
  const out: Array<{ pass: string; digest: string; decisions: number; unplaced: number }> = [];
  let snap = start;
  const step = (pass: string, next: ClusterSnapshot): void => {
    const plan = planSchedule(next);
    onPass?.(pass, next, plan);
    out.push({ pass, digest: planDigest(plan), decisions: plan.decisions.length, unplaced: plan.unplaced.length });
    snap = applyPlan(next, plan);
  };
  step('scratch', snap);
  step('settled', snap);
  if (short) return out;
  const lost = Math.ceil(snap.machines.length / 100);
  step('lost-machines', { ...snap, machines: snap.machines.slice(lost) });
  const units: UnitSnapshot[] = snap.units.map((u, i) => (i % 20 === 3 ? { ...u, desiredState: 'inactive' } : u));
  const extra = Math.ceil(snap.units.length * 0.03);
  for (let i = 0; i < extra; i++) {
    const like = snap.units[(i * 7919) % snap.units.length]!;
    units.push({ ...like, name: `added-${i}-${like.name}`, requirements: { ...like.requirements, machineOf: [], replaces: [] } });
  }
  const machines = snap.machines.map((m, i) =>
    i % 7 === 0 && m.capacity !== undefined ? { ...m, capacity: Object.fromEntries(Object.entries(m.capacity).map(([k, v]) => [k, v / 2])) } : m,
  );
  step('changed', { ...snap, units, machines });
  const requests = snap.units.some((u) => u.requirements.resources !== undefined);
  const global: UnitSnapshot = {
    name: 'aaa-agent.service',
    desiredState: 'launched',
    requirements: { ...NO_REQUIREMENTS, global: true, ...(requests ? { resources: { cpu: 1, memory: 2 ** 30 } } : {}) },
  };
  step('new-global', { ...snap, units: [...snap.units, global] });
  step('settled-again', snap);
  return out;
}

/** Every case, in a fixed order. */
export function digestCases(large: boolean): DigestCase[] {
  const cases: DigestCase[] = [];
  const placementPolicies: Array<[string, Record<string, unknown> | undefined]> = [
    ['default', undefined],
    ['binpack', { strategy: 'binpack' }],
    ['random', { strategy: 'random' }],
    ['spread+balanced', { strategy: 'spread', scorers: { balanced: 1 } }],
    ['spread+spreadBy', { strategy: 'spread', spreadBy: 'region' }],
    ['binpack+balanced+spreadBy', { strategy: 'binpack', scorers: { balanced: 2 }, spreadBy: 'region' }],
  ];
  const withPolicy = (s: ClusterSnapshot, doc: Record<string, unknown> | undefined): ClusterSnapshot =>
    doc === undefined ? s : { ...s, policy: parsePolicy(doc) };
  for (const [units, machines, seeds] of [[500, 50, [1, 2, 3]], [3000, 300, [4]]] as const) {
    for (const seed of seeds) {
      for (const [p, doc] of placementPolicies) {
        cases.push({ name: `placement ${units}x${machines} seed ${seed} ${p}`, start: () => withPolicy(buildPlacementSnapshot({ units, machines, seed }), doc) });
      }
    }
  }
  cases.push({ name: 'placement 10000x1000 seed 42 default', start: () => buildPlacementSnapshot({ units: 10_000, machines: 1_000 }) });
  cases.push({ name: 'oversubscribed 2000x100', start: () => buildOversubscribedSnapshot({ units: 2_000, machines: 100 }) });
  const resourcePolicies: Array<[string, Record<string, unknown>]> = [
    ['spread+spreadBy', { strategy: 'spread', spreadBy: 'az' }],
    ['spread', { strategy: 'spread' }],
    ['binpack', { strategy: 'binpack' }],
    ['random', { strategy: 'random' }],
    ['spread+balanced', { strategy: 'spread', scorers: { balanced: 1 } }],
    ['binpack+balanced+spreadBy', { strategy: 'binpack', scorers: { balanced: 1 }, spreadBy: 'az' }],
  ];
  for (const [units, machines, seeds] of [[2000, 100, [7, 8]], [20000, 1000, [7]]] as const) {
    for (const seed of seeds) {
      for (const [p, doc] of resourcePolicies) {
        if (units > 2000 && p !== 'spread+spreadBy' && p !== 'binpack') continue;
        cases.push({ name: `resources ${units}x${machines} seed ${seed} ${p}`, start: () => withPolicy(buildResourceSnapshot({ units, machines, seed }), doc) });
      }
    }
  }
  cases.push({ name: 'preemption 1500x80 arriving', start: () => buildPreemptionSnapshots(1_500, 80).arriving });
  cases.push({ name: 'preemption 1500x80 arriving, preemption off', start: () => withPolicy(buildPreemptionSnapshots(1_500, 80).arriving, { spreadBy: 'az', preemption: false }) });
  if (large) cases.push({ name: 'resources 100000x5000 seed 7 spread+spreadBy', start: () => buildResourceSnapshot({ units: 100_000, machines: 5_000 }), short: true });
  return cases;
}

function main(): void {
  const args = new BenchArgs();
  const only = args.string('only');
  const results: Record<string, string[]> = {};
  for (const c of digestCases(args.bool('large', false))) {
    if (only !== undefined && !c.name.includes(only)) continue;
    const passes = digestPasses(c.start(), c.short);
    results[c.name] = passes.map((p) => `${p.pass} ${p.digest} ${p.decisions}d ${p.unplaced}u`);
    console.log(`${c.name}: ${results[c.name]!.join(', ')}`);
  }
  const save = args.string('save');
  if (save !== undefined) writeFileSync(save, `${JSON.stringify(results, null, 1)}\n`);
  const check = args.string('check');
  if (check !== undefined) {
    const want = JSON.parse(readFileSync(check, 'utf8')) as Record<string, string[]>;
    let differ = 0;
    for (const [name, passes] of Object.entries(results)) {
      const was = want[name];
      if (was === undefined) continue;
      passes.forEach((p, i) => {
        if (p !== was[i]) {
          differ++;
          console.log(`DIFFERS ${name}: ${was[i]} -> ${p}`);
        }
      });
    }
    console.log(differ === 0 ? `all ${Object.keys(results).length} cases identical to ${check}` : `${differ} passes differ from ${check}`);
    if (differ > 0) process.exitCode = 1;
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) main();

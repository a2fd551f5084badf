/**
 * Equivalence harness for the preemption phase: whole plans (decisions,
 * preemptions, explanations) for many seeded generated clusters, as digests
 * recorded from the straightforward implementation (every waiting unit weighs
 * every machine, commit 7b523f9). A faster victim search must make exactly
 * the same plans. `RECORD_PREEMPT_GOLDEN=1` rewrites the digests (only when a
 * decision is meant to change; say why in the commit).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import fc from 'fast-check';
import { planSchedule } from '../../../src/scheduler/index.js';
import type { ClusterSnapshot, Plan, UnitSnapshot } from '../../../src/scheduler/types.js';
import { buildPreemptionSnapshots } from '../../../bench/placement-preemption.js';
import { scenarios } from './preempt-scenarios.js';
import { GOLDEN } from './preempt-golden.js';

/** A plan as one digest: everything the planner decided and explained. */
function digest(plan: Plan): string {
  return createHash('sha256').update(JSON.stringify(plan)).digest('hex').slice(0, 16);
}

/** The bench's workload with several priority levels, unpreemptible units and shielded ones. */
function mixed(snap: ClusterSnapshot, seed: number): ClusterSnapshot {
  const units = snap.units.map((u, i): UnitSnapshot => {
    const k = (i * 7 + seed) % 13;
    if (u.name.startsWith('vip-')) return { ...u, requirements: { ...u.requirements, priority: [3, 5, 100][k % 3]! } };
    return { ...u, requirements: { ...u.requirements, priority: [0, 0, 1, 2, 4][k % 5]!, ...(k === 12 ? { preemptible: false } : {}) } };
  });
  const shielded = new Set(units.filter((_, i) => (i + seed) % 29 === 0).map((u) => u.name));
  return { ...snap, units, shielded };
}

function cases(): Array<[string, ClusterSnapshot]> {
  const out: Array<[string, ClusterSnapshot]> = [];
  fc.sample(scenarios({ machines: 5, first: 20, late: 8 }), { seed: 13, numRuns: 300 }).forEach((s, i) => out.push([`small-${i}`, s]));
  fc.sample(scenarios({ machines: 8, first: 70, late: 25, rich: true }), { seed: 17, numRuns: 150 }).forEach((s, i) => out.push([`rich-${i}`, s]));
  for (const seed of [1, 2, 3]) {
    const { arriving } = buildPreemptionSnapshots(300, 12, seed);
    out.push([`bench-${seed}`, arriving]);
    out.push([`bench-mixed-${seed}`, mixed(arriving, seed)]);
  }
  // Enough machines that the victim search keeps per-class heaps (see victim-search.ts).
  const { arriving } = buildPreemptionSnapshots(2000, 100, 5);
  out.push(['bench-large', arriving]);
  out.push(['bench-large-mixed', mixed(arriving, 5)]);
  return out;
}

test('equivalence: preempting plans of seeded generated clusters are the recorded ones', () => {
  const plans = cases().map(([name, snap]) => [name, planSchedule(snap)] as const);
  const got: Record<string, string> = {};
  for (const [name, plan] of plans) got[name] = digest(plan);
  if (process.env['RECORD_PREEMPT_GOLDEN'] === '1') {
    const body = Object.entries(got).map(([k, v]) => `  '${k}': '${v}',`).join('\n');
    const file = new URL('../../../../test/unit/scheduler/preempt-golden.ts', import.meta.url);
    writeFileSync(file, `/** Plan digests recorded by preempt-equivalence.test.ts (see there). */\nexport const GOLDEN: Readonly<Record<string, string>> = {\n${body}\n};\n`);
  }
  const differ = Object.keys(got).filter((k) => got[k] !== GOLDEN[k]);
  assert.deepEqual(differ, [], `${differ.length} of ${Object.keys(got).length} plans differ from the recorded ones`);
  // The harness must cover preemptions of several kinds, or it proves little.
  const preempting = (prefix: string) => plans.filter(([name, p]) => name.startsWith(prefix) && p.preemptions !== undefined).length;
  const chains = plans.filter(([, p]) => (p.preemptions ?? []).some((x) => p.preemptions!.some((y) => y.victims.some((v) => v.unit === x.unit)))).length;
  const counts = { small: preempting('small-'), rich: preempting('rich-'), bench: preempting('bench-'), chains };
  console.log(`equivalence: ${plans.length} plans, preempting: ${JSON.stringify(counts)}`);
  assert.ok(counts.small >= 20 && counts.rich >= 40 && counts.bench === 8 && chains >= 1, JSON.stringify(counts));
});

/**
 * Property tests of preemption over generated full clusters that more
 * units (some of them important) then join: victims always have strictly
 * lower priority and are allowed to be victims, no machine ends over its
 * allocatable, plans are deterministic and idempotent, and no preemptor
 * could itself be preempted by a unit still waiting (no churn).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { applyPlan, planSchedule } from '../../../src/scheduler/index.js';
import type { ClusterSnapshot, UnitSnapshot } from '../../../src/scheduler/types.js';
import { choosePreemption } from '../../../src/scheduler/preempt.js';
import { createPipeline } from '../../../src/scheduler/pipeline.js';
import { toFixedUnits } from '../../../src/resources/index.js';
import { priorityOf } from '../../../src/units/requirements.js';
import { stateFor } from './fixtures.js';
import { arbScenario } from './preempt-scenarios.js';

const RUNS = { numRuns: Number(process.env.FC_RUNS ?? 300) };

function assertWithinAllocatable(snap: ClusterSnapshot): void {
  const byName = new Map(snap.units.map((u) => [u.name, u]));
  const used = new Map<string, number>();
  for (const [name, ids] of snap.schedule) {
    for (const [r, v] of Object.entries(byName.get(name)?.requirements.resources ?? {})) {
      for (const id of ids) used.set(`${id} ${r}`, (used.get(`${id} ${r}`) ?? 0) + toFixedUnits(r, v));
    }
  }
  for (const [key, v] of used) {
    const [id, r] = key.split(' ') as [string, string];
    const m = snap.machines.find((x) => x.id === id)!;
    assert.ok(v <= toFixedUnits(r, m.capacity?.[r] ?? 0), `${id} gets ${v} of ${r}, can give ${m.capacity?.[r]}`);
  }
}

test('property: a victim always has strictly lower priority and is allowed to be one; nothing ends over capacity', () => {
  let preempting = 0;
  fc.assert(
    fc.property(arbScenario, (snap) => {
      const plan = planSchedule(snap);
      if (plan.preemptions !== undefined) preempting++;
      const byName = new Map(snap.units.map((u) => [u.name, u.requirements]));
      for (const p of plan.preemptions ?? []) {
        assert.equal(p.priority, priorityOf(byName.get(p.unit)!));
        for (const v of p.victims) {
          const r = byName.get(v.unit)!;
          assert.ok(priorityOf(r) < p.priority, `${v.unit} (${priorityOf(r)}) preempted by ${p.unit} (${p.priority})`);
          assert.ok(r.preemptible !== false && !r.global && r.machineId === undefined, `${v.unit} may not be a victim`);
        }
      }
      assertWithinAllocatable(applyPlan(snap, plan));
    }),
    RUNS,
  );
  // The generator must actually produce preemptions, or the properties say nothing.
  assert.ok(preempting >= RUNS.numRuns / 40, `only ${preempting} of ${RUNS.numRuns} scenarios preempted`);
});

test('property: preempting plans are deterministic and idempotent (a settled cluster makes no decisions)', () => {
  fc.assert(
    fc.property(arbScenario, (snap) => {
      const plan = planSchedule(snap);
      const reversed: ClusterSnapshot = { ...snap, machines: [...snap.machines].reverse(), units: [...snap.units].reverse() };
      assert.deepEqual(planSchedule(reversed), plan);
      const next = planSchedule(applyPlan(snap, plan));
      assert.deepEqual(next.decisions, []);
      assert.equal(next.preemptions, undefined);
    }),
    RUNS,
  );
});

test('property: no churn: no unit left waiting could preempt a unit that just preempted', () => {
  fc.assert(
    fc.property(arbScenario, (snap) => {
      const plan = planSchedule(snap);
      if (plan.preemptions === undefined) return;
      const after = applyPlan(snap, plan);
      const { state, unit } = stateFor(after);
      const pipeline = createPipeline(undefined, true);
      const preemptors = new Set(plan.preemptions.map((p) => p.unit));
      for (const e of plan.unplaced) {
        const w = unit(e.unit);
        if (w.global) continue;
        const choice = choosePreemption(w, state, pipeline);
        for (const v of choice?.victims ?? []) assert.ok(!preemptors.has(v.name), `${w.name} would preempt ${v.name}, which just preempted`);
      }
    }),
    RUNS,
  );
});

test('property: one priority for every unit places exactly as no priority at all', () => {
  fc.assert(
    fc.property(arbScenario, fc.constantFrom(0, 7), (snap, level) => {
      const strip = (u: UnitSnapshot): UnitSnapshot => {
        const { priority: _p, ...rest } = u.requirements;
        return { ...u, requirements: rest };
      };
      const bare: ClusterSnapshot = { ...snap, units: snap.units.map(strip) };
      const same: ClusterSnapshot = { ...snap, units: bare.units.map((u) => ({ ...u, requirements: { ...u.requirements, priority: level } })) };
      const a = planSchedule(bare);
      const b = planSchedule(same);
      assert.deepEqual(b.decisions, a.decisions);
      assert.deepEqual(b.unplaced.map((e) => e.unit), a.unplaced.map((e) => e.unit));
      assert.equal(a.preemptions, undefined);
      assert.equal(b.preemptions, undefined);
    }),
    RUNS,
  );
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildPlacementSnapshot, timePlanning } from '../../../bench/placement.js';
import { applyPlan, planSchedule } from '../../../src/scheduler/index.js';
import { violations } from './check.js';

test('bench snapshot: deterministic for a seed, with the requested sizes', () => {
  const a = buildPlacementSnapshot({ units: 400, machines: 40 });
  const b = buildPlacementSnapshot({ units: 400, machines: 40 });
  assert.equal(a.units.length, 400);
  assert.equal(a.machines.length, 40);
  assert.deepEqual(a, b);
  assert.equal(a.schedule.size, 0);
  assert.ok(a.units.some((u) => u.requirements.global));
  assert.ok(a.units.some((u) => u.requirements.machineOf.length > 0));
  assert.ok(a.units.some((u) => u.requirements.replaces.length > 0));
});

test('bench planner at tiny scale: valid, idempotent, explains what it cannot place', () => {
  const snap = buildPlacementSnapshot({ units: 400, machines: 40, seed: 7 });
  const plan = planSchedule(snap);
  const after = applyPlan(snap, plan);
  assert.deepEqual(violations(after), []);
  assert.deepEqual(planSchedule(after).decisions, []);
  assert.ok(plan.unplaced.some((e) => e.unit === 'pinned-missing.service'));
  const result = timePlanning(snap, 2, 1);
  assert.equal(result.decisions, plan.decisions.length);
  assert.equal(result.unplaced, plan.unplaced.length);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyPlan, formatExplanation, planSchedule } from '../../../../src/scheduler/index.js';
import { cordonFilter } from '../../../../src/scheduler/filters/cordon.js';
import { machine, snapshot, stateFor, summary, unit } from '../fixtures.js';

const cordoned = { ...machine('A'), cordoned: 'previous engine leader not renewing' };

test('Cordon filter: rejects a cordoned machine with its reason, accepts others', () => {
  const { state, unit: u, m } = stateFor(snapshot([cordoned, machine('B')], [unit('x.service')]));
  assert.deepEqual(cordonFilter.check(u('x.service'), m('A'), state), {
    ok: false,
    filter: 'Cordon',
    kind: 'not-now',
    reason: 'machine A takes no new units: previous engine leader not renewing',
    constraint: 'cordoned',
  });
  assert.equal(cordonFilter.check(u('x.service'), m('B'), state).ok, true);
});

test('a cordoned machine keeps its units (ordinary and global) but gets no new ones', () => {
  const snap = snapshot(
    [cordoned, machine('B')],
    [unit('old.service'), unit('new.service'), unit('g.service', { global: true }), unit('g2.service', { global: true })],
    { 'old.service': ['A'], 'g.service': ['A', 'B'] },
  );
  const plan = planSchedule(snap);
  assert.deepEqual(summary(plan), ['+g2.service@B', '+new.service@B']);
  assert.deepEqual(planSchedule(applyPlan(snap, plan)).decisions, [], 'idempotent');
});

test('a unit only a cordoned machine could take stays unplaced, and says why', () => {
  const plan = planSchedule(snapshot([cordoned], [unit('x.service')]));
  assert.deepEqual(plan.decisions, []);
  assert.equal(formatExplanation(plan.unplaced[0]!), '0 of 1 machines eligible: 1 by Cordon (cordoned)');
});

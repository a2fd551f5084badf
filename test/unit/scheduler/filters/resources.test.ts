import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyPlan, formatExplanation, planSchedule } from '../../../../src/scheduler/index.js';
import { resourcesFilter } from '../../../../src/scheduler/filters/resources.js';
import type { MachineSnapshot } from '../../../../src/scheduler/types.js';
import { snapshot, stateFor, summary, unit } from '../fixtures.js';

const G = 1024 ** 3;
const sized = (id: string, capacity: Record<string, number> | undefined): MachineSnapshot => (capacity === undefined ? { id, metadata: {} } : { id, metadata: {}, capacity });

test('Resources filter: fits when every request fits what is free; a missing resource counts as 0', () => {
  const snap = snapshot(
    [sized('1b83f385aaaa', { cpu: 2, memory: 2 * G }), sized('2c000000bbbb', { cpu: 4 }), sized('3d000000cccc', undefined)],
    [unit('big.service', { resources: { cpu: 1, memory: 1.5 * G } }), unit('held.service', { resources: { memory: 1 * G } }), unit('none.service')],
    { 'held.service': ['1b83f385aaaa'] },
  );
  const { state, unit: u, m } = stateFor(snap);
  assert.deepEqual(resourcesFilter.check(u('big.service'), m('1b83f385aaaa'), state), {
    ok: false,
    filter: 'Resources',
    kind: 'not-now',
    reason: 'memory: needs 1.5G, free 1.0G',
    constraint: 'memory',
  });
  assert.deepEqual(resourcesFilter.check(u('big.service'), m('2c000000bbbb'), state), { ok: false, filter: 'Resources', kind: 'never', reason: 'memory: needs 1.5G, free 0', constraint: 'memory' });
  assert.equal(resourcesFilter.check(u('big.service'), m('3d000000cccc'), state).ok, false, 'a machine without resources offers none');
  for (const id of ['1b83f385aaaa', '2c000000bbbb', '3d000000cccc']) assert.equal(resourcesFilter.check(u('none.service'), m(id), state).ok, true, 'no requests fit anywhere');
});

test('a unit lands where it fits; a too-big unit stays unplaced naming the shortfall', () => {
  const machines = [sized('1b83f385aaaa', { cpu: 2, memory: 1.5 * G }), sized('2c000000bbbb', { cpu: 2, memory: 1 * G }), sized('3d000000cccc', { cpu: 2, memory: 4 * G })];
  const plan = planSchedule(snapshot(machines, [unit('fits.service', { resources: { memory: 3 * G } }), unit('huge.service', { resources: { memory: 8 * G } })]));
  assert.deepEqual(summary(plan), ['+fits.service@3d000000cccc']);
  const after = applyPlan(snapshot(machines, [unit('fits.service', { resources: { memory: 3 * G } }), unit('big2.service', { resources: { memory: 2 * G } })]), planSchedule(snapshot(machines, [unit('fits.service', { resources: { memory: 3 * G } })])));
  const plan2 = planSchedule(after);
  assert.deepEqual(plan2.decisions, []);
  assert.equal(formatExplanation(plan2.unplaced[0]!), '0 of 3 machines eligible: 3 by Resources (memory: needs 2.0G, most free 1.5G on 1b83f385)');
  assert.equal(plan2.unplaced[0]!.rejections[0]!.kind, 'not-now');
  assert.equal(plan.unplaced[0]!.rejections[0]!.kind, 'never', 'no machine is big enough even when empty');
});

test('global units reserve on every machine they run on, and a machine where one does not fit is explained', () => {
  const machines = [sized('A', { cpu: 1 }), sized('B', { cpu: 2 })];
  const plan = planSchedule(snapshot(machines, [unit('g.service', { global: true, resources: { cpu: 1.5 } }), unit('a.service', { resources: { cpu: 0.5 } })]));
  assert.deepEqual(summary(plan), ['+a.service@A', '+g.service@B']);
  const plan2 = planSchedule(snapshot(machines, [unit('g.service', { global: true, resources: { cpu: 1.5 } }), unit('b.service', { resources: { cpu: 1 } })], { 'g.service': ['B'] }));
  assert.deepEqual(summary(plan2), ['+b.service@A'], 'B is full of the global unit');
  const none = planSchedule(snapshot([sized('A', { cpu: 1 })], [unit('g.service', { global: true, resources: { cpu: 2 } })]));
  assert.equal(formatExplanation(none.unplaced[0]!), '0 of 1 machines eligible: 1 by Resources (cpu: needs 2, most free 1 on A)');
});

test('an over-committed machine keeps its units but takes no new ones', () => {
  const snap = snapshot([sized('A', { cpu: 1 }), sized('B', { cpu: 4 })], [unit('x.service', { resources: { cpu: 2 } }), unit('y.service', { resources: { cpu: 0.1 } }), unit('z.service')], {
    'x.service': ['A'],
  });
  const plan = planSchedule(snap);
  assert.deepEqual(summary(plan), ['+y.service@B', '+z.service@B'], 'x stays on A (shrunk to 1 cpu); y must not go there');
  assert.deepEqual(planSchedule(applyPlan(snap, plan)).decisions, [], 'idempotent');
});

test('units that request nothing place exactly as before: least loaded, then machine id', () => {
  const machines = [sized('A', { cpu: 1 }), sized('B', { cpu: 1 }), sized('C', undefined)];
  const plan = planSchedule(snapshot(machines, ['a', 'b', 'c', 'd'].map((n) => unit(`${n}.service`))));
  assert.deepEqual(summary(plan), ['+a.service@A', '+b.service@B', '+c.service@C', '+d.service@A']);
});

test('a new global unit gets only what ordinary units on a machine leave, instead of over-committing it', () => {
  const snap = snapshot([sized('A', { cpu: 1 }), sized('B', { cpu: 2 })], [unit('x.service', { resources: { cpu: 1 } }), unit('g.service', { global: true, resources: { cpu: 0.5 } })], { 'x.service': ['A'] });
  const plan = planSchedule(snap);
  assert.deepEqual(summary(plan), ['+g.service@B'], 'x keeps A; g runs only where it fits');
  assert.deepEqual(planSchedule(applyPlan(snap, plan)).decisions, [], 'idempotent');
});

test('a new global unit that sorts before a running global unit gets only what that one leaves, instead of over-committing the machine', () => {
  const running = { 'b-agent.service': ['A', 'B'] };
  const snap = snapshot(
    [sized('A', { cpu: 1 }), sized('B', { cpu: 2 })],
    [unit('b-agent.service', { global: true, resources: { cpu: 1 } }), unit('a-agent.service', { global: true, resources: { cpu: 0.5 } })],
    running,
  );
  const plan = planSchedule(snap);
  assert.deepEqual(summary(plan), ['+a-agent.service@B'], 'b-agent keeps A and B; a-agent fits only on B');
  assert.equal(formatExplanation(planSchedule(snapshot([sized('A', { cpu: 1 })], snap.units, { 'b-agent.service': ['A'] })).unplaced[0]!), '0 of 1 machines eligible: 1 by Resources (cpu: needs 0.5, most free 0 on A)');
  assert.deepEqual(planSchedule(applyPlan(snap, plan)).decisions, [], 'idempotent');
});

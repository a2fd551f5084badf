import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePolicy, planSchedule } from '../../../src/scheduler/index.js';
import { sameInput } from '../../../src/scheduler/same-input.js';
import type { ClusterSnapshot } from '../../../src/scheduler/types.js';
import { snapshot, summary, unit } from './fixtures.js';

const base = (): ClusterSnapshot =>
  snapshot(
    [{ id: 'A', metadata: { az: 'a' }, capacity: { cpu: 2 } }, { id: 'B', metadata: { az: 'b' }, capacity: { cpu: 2 } }],
    [unit('x.service', { resources: { cpu: 1 } }), unit('y.service')],
    { 'x.service': ['A'] },
  );

test('sameInput: equal content in new objects is the same input; any change the planner reads is not', () => {
  const a = base();
  const copy: ClusterSnapshot = { ...a, machines: a.machines.map((m) => ({ ...m, metadata: { ...m.metadata } })), schedule: new Map(a.schedule) };
  assert.equal(sameInput(a, copy), true);
  const changes: Array<[string, ClusterSnapshot]> = [
    ['metadata', { ...a, machines: [{ ...a.machines[0]!, metadata: { az: 'c' } }, a.machines[1]!] }],
    ['capacity', { ...a, machines: [{ ...a.machines[0]!, capacity: { cpu: 1 } }, a.machines[1]!] }],
    ['cordon', { ...a, machines: [{ ...a.machines[0]!, cordoned: 'suspected dead' }, a.machines[1]!] }],
    ['held', { ...a, machines: [{ ...a.machines[0]!, held: ['y.service'] }, a.machines[1]!] }],
    ['a machine gone', { ...a, machines: a.machines.slice(1) }],
    ['desired state', { ...a, units: [a.units[0]!, { ...a.units[1]!, desiredState: 'inactive' }] }],
    ['requirements (a new object, even with equal content)', { ...a, units: [a.units[0]!, { ...a.units[1]!, requirements: { ...a.units[1]!.requirements } }] }],
    ['schedule', { ...a, schedule: new Map([['x.service', ['B']]]) }],
    ['policy', { ...a, policy: parsePolicy({ strategy: 'binpack' }) }],
    ['shielded', { ...a, shielded: new Set(['x.service']) }],
  ];
  for (const [what, b] of changes) assert.equal(sameInput(a, b), false, what);
  assert.equal(sameInput({ ...a, policy: parsePolicy({ strategy: 'binpack' }) }, { ...a, policy: parsePolicy({ strategy: 'binpack' }) }), true, 'a policy parsed again');
});

test('planSchedule answers an unchanged input from the previous pass and plans any other input afresh', () => {
  const a = base();
  const first = planSchedule(a);
  assert.equal(planSchedule({ ...a, schedule: new Map(a.schedule) }), first, 'the same input: the same plan');
  const moved = { ...a, schedule: new Map([['x.service', ['B']]]) };
  assert.deepEqual(summary(planSchedule(moved)), ['+y.service@A']);
  assert.deepEqual(summary(planSchedule(a)), ['+y.service@B']);
});

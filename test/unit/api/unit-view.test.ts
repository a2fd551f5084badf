import { test } from 'node:test';
import assert from 'node:assert/strict';
import { entryState, indexRuntime, toApiUnit } from '../../../src/api/unit-view.js';
import type { ScheduleEntry, UnitStateRecord, UnitWithDesired } from '../../../src/registry/index.js';
import type { ActiveState } from '../../../src/domain/index.js';

const entry = (machineId: string, hash = 'h'): ScheduleEntry => ({ machineId, name: 'u.service', hash, targetState: 'launched' });
const state = (machineId: string, activeState: ActiveState, hash = 'h'): UnitStateRecord => ({
  name: 'u.service', machineId, hash, activeState, loadState: 'loaded', subState: '', timestamp: 0,
});

test('entryState: named cases', () => {
  const cases: Array<[string, UnitStateRecord | undefined, string]> = [
    ['no report', undefined, 'inactive'],
    ['report for another hash', state('m1', 'active', 'old'), 'inactive'],
    ['active', state('m1', 'active'), 'launched'],
    ['activating', state('m1', 'activating'), 'launched'],
    ['reloading', state('m1', 'reloading'), 'launched'],
    ['inactive', state('m1', 'inactive'), 'loaded'],
    ['failed', state('m1', 'failed'), 'loaded'],
    ['deactivating', state('m1', 'deactivating'), 'loaded'],
  ];
  for (const [name, s, want] of cases) assert.equal(entryState(entry('m1'), s), want, name);
});

test('toApiUnit: ordinary and global units', () => {
  const plain: UnitWithDesired = { unit: { name: 'u.service', options: [{ section: 'Service', name: 'ExecStart', value: '/bin/true' }], hash: 'h' }, desired: 'launched' };
  const global: UnitWithDesired = { ...plain, unit: { ...plain.unit, options: [...plain.unit.options, { section: 'X-Fleet', name: 'Global', value: 'yes' }] } };
  const cases: Array<[string, UnitWithDesired, ScheduleEntry[], UnitStateRecord[], { currentState: string; machineID?: string }]> = [
    ['unscheduled', plain, [], [], { currentState: 'inactive' }],
    ['scheduled, no report', plain, [entry('m2')], [], { currentState: 'inactive', machineID: 'm2' }],
    ['scheduled, launched', plain, [entry('m2')], [state('m2', 'active')], { currentState: 'launched', machineID: 'm2' }],
    ['report from another machine does not count', plain, [entry('m2')], [state('m1', 'active')], { currentState: 'inactive', machineID: 'm2' }],
    ['two entries (a move in progress): first by id', plain, [entry('m3'), entry('m2')], [state('m2', 'inactive'), state('m3', 'active')], { currentState: 'loaded', machineID: 'm2' }],
    ['global, no entries', global, [], [], { currentState: 'inactive' }],
    ['global, least advanced', global, [entry('m1'), entry('m2')], [state('m1', 'active'), state('m2', 'failed')], { currentState: 'loaded' }],
    ['global, all launched', global, [entry('m1'), entry('m2')], [state('m1', 'active'), state('m2', 'active')], { currentState: 'launched' }],
  ];
  for (const [name, u, entries, states, want] of cases) {
    const got = toApiUnit(u, indexRuntime(entries, states));
    assert.deepEqual({ currentState: got.currentState, ...(got.machineID !== undefined ? { machineID: got.machineID } : {}) }, want, name);
    assert.deepEqual(Object.keys(got), ['currentState', 'desiredState', ...(got.machineID !== undefined ? ['machineID'] : []), 'name', 'options'], `${name}: Go's field order`);
  }
});

test('toApiUnit: priority only for units that set Priority=, after fleet\'s fields', () => {
  const plain: UnitWithDesired = { unit: { name: 'u.service', options: [{ section: 'Service', name: 'ExecStart', value: '/bin/true' }], hash: 'h' }, desired: 'launched' };
  assert.equal('priority' in toApiUnit(plain, indexRuntime([], [])), false);
  const vip: UnitWithDesired = { ...plain, unit: { ...plain.unit, options: [...plain.unit.options, { section: 'X-Fleet', name: 'Priority', value: '700' }] } };
  const got = toApiUnit(vip, indexRuntime([], []));
  assert.equal(got.priority, 700);
  assert.deepEqual(Object.keys(got), ['currentState', 'desiredState', 'name', 'options', 'priority']);
});

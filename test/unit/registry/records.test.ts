import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CorruptRecordError } from '../../../src/registry/errors.js';
import {
  decodeDesired,
  decodeMachine,
  decodeSchedule,
  decodeState,
  decodeUnit,
  encodeMachine,
  encodeSchedule,
  encodeState,
  encodeUnit,
  mergeMetadata,
  type MachineRecord,
  type UnitRecord,
} from '../../../src/registry/records.js';
import { lastOpPerKey } from '../../../src/registry/fenced.js';

test('records round-trip through their codecs', () => {
  const unit: UnitRecord = { name: 'a.service', options: [{ section: 'Service', name: 'ExecStart', value: '/bin/true' }], text: '[Service]\nExecStart=/bin/true\n', hash: 'abc' };
  assert.deepEqual(decodeUnit('k', encodeUnit(unit)), unit);
  const m: MachineRecord = { id: 'm1', publicIP: '10.0.0.1', metadata: { region: 'eu' }, version: '0.1.0', capabilities: { disableEngine: true } };
  assert.deepEqual(decodeMachine('k', encodeMachine(m)), m);
  const withResources: MachineRecord = { ...m, resources: { capacity: { cpu: 4, memory: 8589934592 }, reserved: { cpu: 0.5 }, allocated: { cpu: 1.5 } } };
  assert.deepEqual(decodeMachine('k', encodeMachine(withResources)), withResources);
  const s = { machineId: 'm1', name: 'a.service', hash: 'abc', targetState: 'launched' as const };
  assert.deepEqual(decodeSchedule('k', encodeSchedule(s)), s);
  const st = { name: 'a.service', machineId: 'm1', loadState: 'loaded' as const, activeState: 'active' as const, subState: 'running', hash: 'abc', timestamp: 123 };
  assert.deepEqual(decodeState('k', encodeState(st)), st);
  assert.equal(decodeDesired('k', 'launched'), 'launched');
});

test('corrupt values are named errors carrying the key', () => {
  const bad: Array<() => unknown> = [
    () => decodeUnit('/k', 'not json'),
    () => decodeUnit('/k', '[]'),
    () => decodeUnit('/k', JSON.stringify({ name: 'a', options: [{}], text: '', hash: '' })),
    () => decodeMachine('/k', JSON.stringify({ id: 'm', metadata: { a: 1 } })),
    () => decodeMachine('/k', JSON.stringify({ id: 'm', metadata: {}, resources: { capacity: { cpu: -1 } } })),
    () => decodeMachine('/k', JSON.stringify({ id: 'm', metadata: {}, resources: [] })),
    () => decodeSchedule('/k', JSON.stringify({ machineId: 'm', name: 'a', hash: 'h', targetState: 'running' })),
    () => decodeState('/k', JSON.stringify({ name: 'a', machineId: 'm', loadState: '', activeState: '', subState: '', hash: '', timestamp: 'now' })),
    () => decodeDesired('/k', 'started'),
  ];
  for (const f of bad) {
    assert.throws(f, (e: unknown) => e instanceof CorruptRecordError && e.key === '/k');
  }
});

test("metadata merge follows fleet: dynamic values override, '' deletes", () => {
  const merged = mergeMetadata({ region: 'eu', disk: 'ssd' }, new Map([['disk', ''], ['rack', 'r2'], ['region', 'us']]));
  assert.deepEqual(merged, { rack: 'r2', region: 'us' });
  assert.deepEqual(Object.keys(merged), ['rack', 'region']);
});

test('a batch keeps only the last op per key, in order', () => {
  const ops = lastOpPerKey([
    { type: 'put', key: 'a', value: '1' },
    { type: 'put', key: 'b', value: '1' },
    { type: 'delete', key: 'a' },
  ]);
  assert.deepEqual(ops, [
    { type: 'put', key: 'b', value: '1' },
    { type: 'delete', key: 'a' },
  ]);
});

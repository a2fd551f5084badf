import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CorruptRecordError } from '../../../src/registry/errors.js';
import {
  decodeDesired,
  decodeMachine,
  decodeSchedule,
  decodeState,
  decodeStoredUnit,
  decodeUnit,
  encodeMachine,
  encodeSchedule,
  encodeState,
  encodeUnit,
  mergeMetadata,
  type MachineRecord,
  type UnitRecord,
  UNIT_RECORD_VERSION,
} from '../../../src/registry/records.js';
import { lastOpPerKey } from '../../../src/registry/fenced.js';

test('records round-trip through their codecs', () => {
  const record: UnitRecord = { name: 'a.service', options: [{ section: 'Service', name: 'ExecStart', value: '/bin/true' }], hash: 'abc' };
  assert.deepEqual(decodeUnit('k', encodeUnit({ ...record, text: '[Service]\nExecStart=/bin/true\n' })), record);
  const m: MachineRecord = { id: 'm1', publicIP: '10.0.0.1', metadata: { region: 'eu' }, version: '0.1.0', capabilities: { disableEngine: true } };
  assert.deepEqual(decodeMachine('k', encodeMachine(m)), m);
  const withResources: MachineRecord = { ...m, resources: { capacity: { cpu: 4, memory: 8589934592 }, reserved: { cpu: 0.5 }, allocated: { cpu: 1.5 } } };
  assert.deepEqual(decodeMachine('k', encodeMachine(withResources)), withResources);
  const holding: MachineRecord = { ...m, held: ['a.service', 'b@1.service'] };
  assert.deepEqual(decodeMachine('k', encodeMachine(holding)), holding);
  assert.equal(encodeMachine({ ...m, held: [] }), encodeMachine(m), 'an empty hold is not written');
  assert.throws(() => decodeMachine('k', JSON.stringify({ ...JSON.parse(encodeMachine(m)), held: ['../x'] })), /field held is not a list of unit names/);
  const s = { machineId: 'm1', name: 'a.service', hash: 'abc', targetState: 'launched' as const };
  assert.deepEqual(decodeSchedule('k', encodeSchedule(s)), s);
  const st = { name: 'a.service', machineId: 'm1', loadState: 'loaded' as const, activeState: 'active' as const, subState: 'running', hash: 'abc', timestamp: 123 };
  assert.deepEqual(decodeState('k', encodeState(st)), st);
  assert.equal(decodeDesired('k', 'launched'), 'launched');
});

test('unit record formats: 2 keeps the text inline for older fleetds, 1 is read, newer ones are refused', () => {
  const options = [{ section: 'Service', name: 'ExecStart', value: '/bin/true' }];
  const text = '[Service]\nExecStart=/bin/true\n';
  const current = encodeUnit({ name: 'a.service', options, text, hash: 'abc' });
  assert.deepEqual(JSON.parse(current), { version: UNIT_RECORD_VERSION, name: 'a.service', options, text, hash: 'abc' }, 'what format-1 readers need is all there');
  assert.deepEqual(decodeStoredUnit('k', current), { record: { name: 'a.service', options, hash: 'abc' }, version: 2, inlineText: text });
  const legacy = JSON.stringify({ name: 'a.service', options, text, hash: 'abc' });
  assert.deepEqual(decodeStoredUnit('k', legacy), { record: { name: 'a.service', options, hash: 'abc' }, version: 1, inlineText: text });
  assert.deepEqual(decodeStoredUnit('k', JSON.stringify({ version: 2, name: 'a.service', options, hash: 'abc' })).inlineText, undefined, 'a later writer may drop the inline text');
  assert.throws(() => decodeUnit('/k', JSON.stringify({ name: 'a.service', options, hash: 'abc' })), /field text is not a string/, 'format 1 has no body: its text is required');
  assert.throws(() => decodeUnit('/k', JSON.stringify({ version: 3, name: 'a.service', options, hash: 'abc' })), (e: unknown) => e instanceof CorruptRecordError && /format 3 is newer than this fleetd reads \(2\); upgrade this fleetd/.test(e.message));
  assert.throws(() => decodeUnit('/k', JSON.stringify({ version: '2', name: 'a.service', options, text, hash: 'abc' })), /invalid record version "2"/);
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

test('schedule entries: preempts is written only when set and read back; a malformed one is corrupt', () => {
  const plain = { machineId: 'm1', name: 'a.service', hash: 'h', targetState: 'launched' as const };
  assert.equal(encodeSchedule(plain), '{"machineId":"m1","name":"a.service","hash":"h","targetState":"launched"}', 'unchanged for entries without preemption');
  const vip = { ...plain, preempts: ['low.service'] };
  assert.deepEqual(decodeSchedule('k', encodeSchedule(vip)), vip);
  assert.deepEqual(decodeSchedule('k', encodeSchedule(plain)), plain);
  assert.throws(() => decodeSchedule('k', '{"machineId":"m1","name":"a.service","hash":"h","targetState":"launched","preempts":[1]}'), CorruptRecordError);
});

/**
 * The API's units view: listings come from memory once it follows, equal to
 * etcd's (order included), a write is visible to the next read (it waits for
 * the watch to reach etcd's revision), the first read waits for the view's
 * listing instead of reading twice, and a lost connection reads etcd.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UnitsView } from '../../../src/api/units-view.js';
import { ManualClock } from '../../../src/clock.js';
import { CountingKv } from '../../../bench/lib/counting-kv.js';
import { buildUnit } from '../../../src/units/index.js';
import { createMemoryRegistry, createRegistry, encodeState, MemoryKv, type UnitStateRecord } from '../../../src/registry/index.js';
import { waitFor } from '../../support/wait.js';

const unit = (name: string) => {
  const u = buildUnit(name, '[Service]\nExecStart=/bin/true\n');
  return { name: u.name, options: u.options, text: u.text, hash: u.hash };
};
const state = (name: string, machineId: string, activeState: UnitStateRecord['activeState'] = 'active'): UnitStateRecord => ({ name, machineId, hash: 'h', loadState: 'loaded', activeState, subState: 'running', timestamp: 1 });

test('UnitsView: listings equal the registry\'s, and every write is in the next read', async () => {
  const reg = createMemoryRegistry();
  const putState = (s: UnitStateRecord) => reg.kv.txn([], [{ type: 'put', key: reg.layout.state(s.name, s.machineId), value: encodeState(s) }]);
  // Names whose key order differs from a plain sort of "name then machine" ('-' < '/' < '.'), one the prefix of another.
  for (const n of ['a.b.service', 'a.b-x.service', 'z.service', 'x.service', 'x.service.service']) await reg.api.createUnit(unit(n), 'launched');
  await putState(state('x.service', 'm1'));
  await putState(state('x.service.service', 'm1'));
  await putState(state('a.b.service', 'm2'));
  await putState(state('a.b.service', 'm1'));
  await putState(state('a.b-x.service', 'm1'));
  const view = new UnitsView(reg.api);
  assert.deepEqual(await view.units(), await reg.api.listUnits());
  assert.deepEqual(await view.states(), await reg.api.listStates());
  assert.ok(view.live);
  await reg.api.createUnit(unit('b.service'));
  await reg.api.setDesiredState('z.service', 'loaded');
  await reg.api.destroyUnit('a.b-x.service');
  await putState(state('b.service', 'm3', 'failed'));
  await reg.kv.txn([], [{ type: 'delete', key: reg.layout.state('a.b.service', 'm2') }]);
  // No wait: each read sees what was written before it.
  assert.deepEqual(await view.units(), await reg.api.listUnits());
  assert.deepEqual(await view.states(), await reg.api.listStates());
  assert.deepEqual(await view.states({ names: ['b.service'] }), await reg.api.listStates({ names: ['b.service'] }));
  assert.deepEqual(await view.states({ machineIds: ['m1'] }), await reg.api.listStates({ machineIds: ['m1'] }));
  await view.close();
  await reg.close();
});

test('UnitsView: from memory once live (no listing per read); the first reads share one listing', async () => {
  const kv = new CountingKv(new MemoryKv());
  const reg = createRegistry(kv);
  for (let i = 0; i < 20; i++) await reg.api.createUnit(unit(`u${i}.service`));
  const view = new UnitsView(reg.api);
  kv.take();
  await Promise.all([view.units(), view.states(), view.units()]);
  const first = kv.take();
  // One listing is 40 keys (20 units, 20 desired states); each read also asks etcd's revision (the leader key, absent here).
  assert.equal(first.keysRead, 40, `one listing for three first reads, got ${JSON.stringify(first)}`);
  for (let i = 0; i < 5; i++) assert.equal((await view.units()).length, 20);
  const later = kv.take();
  assert.equal(later.keysRead, 0, `reads from memory, got ${JSON.stringify(later)}`);
  await view.close();
  await reg.close();
});

test('UnitsView: a lost connection reads etcd (and fails while it is away); stops after idleMs', async () => {
  const clock = new ManualClock();
  const reg = createMemoryRegistry();
  await reg.api.createUnit(unit('a.service'));
  const view = new UnitsView(reg.api, { idleMs: 1000, clock });
  await view.units();
  await waitFor('live', () => view.live);
  reg.kv.setReachable(false);
  await waitFor('not live while disconnected', () => !view.live);
  await assert.rejects(view.units());
  reg.kv.setReachable(true);
  await waitFor('live after reconnecting', () => view.live);
  clock.advance(1000);
  await waitFor('stopped when idle', () => !view.live);
  assert.equal((await view.units()).length, 1);
  await view.close();
  await reg.close();
});

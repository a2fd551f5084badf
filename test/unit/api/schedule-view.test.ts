import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ScheduleView } from '../../../src/api/schedule-view.js';
import { ManualClock } from '../../../src/clock.js';
import { createMemoryRegistry, encodeSchedule, type ScheduleEntry } from '../../../src/registry/index.js';
import { waitFor } from '../../support/wait.js';

const entry = (machineId: string, name: string): ScheduleEntry => ({ machineId, name, hash: 'h', targetState: 'launched' });

test('ScheduleView: direct read until live, then memory; stops after idleMs without reads and starts again on the next', async () => {
  const clock = new ManualClock();
  const reg = createMemoryRegistry();
  const put = (e: ScheduleEntry) => reg.kv.txn([], [{ type: 'put', key: reg.layout.schedule(e.machineId, e.name), value: encodeSchedule(e) }]);
  await put(entry('m2', 'a.service'));
  await put(entry('m1', 'a.service'));
  await put(entry('m1', 'b.service'));
  const view = new ScheduleView(reg.api, { idleMs: 1000, clock });
  assert.equal(view.live, false);
  assert.deepEqual((await view.entriesOf('a.service')).map((e) => e.machineId), ['m1', 'm2'], 'first read answered directly');
  await waitFor('live', () => view.live);
  await put(entry('m3', 'c.service'));
  await waitFor('watched put', async () => (await view.entriesOf('c.service')).length === 1);
  assert.deepEqual((await view.all()).map((e) => `${e.machineId}/${e.name}`), ['m1/a.service', 'm1/b.service', 'm2/a.service', 'm3/c.service']);
  clock.advance(600);
  await view.entriesOf('b.service');
  clock.advance(600);
  assert.equal(view.live, true, 'a read 600 ms ago keeps it following');
  clock.advance(1000);
  await waitFor('stopped when idle', () => !view.live);
  await reg.kv.txn([], [{ type: 'delete', key: reg.layout.schedule('m1', 'b.service') }]);
  assert.deepEqual(await view.entriesOf('b.service'), [], 'a stopped view reads directly again');
  await waitFor('live again', () => view.live);
  await view.close();
  await reg.close();
});

test('ScheduleView: a lost watch connection falls back to direct reads (which fail while etcd is away)', async () => {
  const reg = createMemoryRegistry();
  const view = new ScheduleView(reg.api);
  await view.all();
  await waitFor('live', () => view.live);
  reg.kv.setReachable(false);
  await waitFor('not live while disconnected', () => !view.live);
  await assert.rejects(view.entriesOf('x.service'));
  reg.kv.setReachable(true);
  await waitFor('live after reconnecting', () => view.live);
  await view.close();
  await reg.close();
});

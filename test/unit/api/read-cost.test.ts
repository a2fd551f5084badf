/**
 * API reads cost what they return (issue 10): one unit's GET reads that
 * unit's keys and never the whole schedule; a list page reads each directory
 * once. Counted at the storage boundary (`CountingKv`), not timed.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CountingKv } from '../../../bench/lib/counting-kv.js';
import { FakeLocalCommands } from '../../../src/api/fake-local-commands.js';
import { ScheduleView } from '../../../src/api/schedule-view.js';
import { startApiServer, type ApiServer } from '../../../src/api/server.js';
import { buildUnit } from '../../../src/units/index.js';
import { createRegistry, encodeDesired, encodeSchedule, encodeState, encodeUnit, MemoryKv, type Registry, type TxnOp } from '../../../src/registry/index.js';
import { waitFor } from '../../support/wait.js';
import { rawRequest } from './harness.js';

const UNITS = 300;
const MACHINES = ['m1', 'm2', 'm3'];
const name = (i: number) => `u${String(i).padStart(3, '0')}.service`;

describe('API read cost', () => {
  let dir: string;
  let socket: string;
  let kv: CountingKv;
  let registry: Registry;
  let view: ScheduleView;
  let server: ApiServer;
  const get = (path: string) => rawRequest(socket, 'GET', path);

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fleet-read-cost-'));
    socket = join(dir, 'fleet.sock');
    const mem = new MemoryKv();
    kv = new CountingKv(mem);
    registry = createRegistry(kv);
    const l = registry.layout;
    const unit = buildUnit('x.service', '[Service]\nExecStart=/bin/sleep 1000\n');
    for (let i = 0; i < UNITS; i++) {
      const n = name(i);
      const m = MACHINES[i % MACHINES.length]!;
      const ops: TxnOp[] = [
        { type: 'put', key: l.unit(n), value: encodeUnit({ name: n, options: unit.options, text: unit.text, hash: unit.hash }) },
        { type: 'put', key: l.desired(n), value: encodeDesired('launched') },
        { type: 'put', key: l.schedule(m, n), value: encodeSchedule({ name: n, machineId: m, hash: unit.hash, targetState: 'launched' }) },
        { type: 'put', key: l.state(n, m), value: encodeState({ name: n, machineId: m, hash: unit.hash, loadState: 'loaded', activeState: 'active', subState: 'running', timestamp: 1 }) },
      ];
      await mem.txn([], ops);
    }
    view = new ScheduleView(registry.api);
    server = await startApiServer({ registry: registry.api, schedule: view, machineId: 'm1', tokenLimit: 100, listen: { socket }, commands: new FakeLocalCommands('system') });
    // The view starts with the first request and serves from memory once it has listed.
    await get(`/fleet/v1/units/${name(0)}`);
    await waitFor('schedule view live', () => view.live);
    kv.take();
  });
  after(async () => {
    await server.close();
    await registry.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test("GET /units/<name> reads the unit, its desired state and its states: 3 reads, 3 keys (not the 300-entry schedule)", async () => {
    const res = await get(`/fleet/v1/units/${name(7)}`);
    assert.equal(res.status, 200);
    assert.equal(res.json.currentState, 'launched');
    assert.equal(res.json.machineID, MACHINES[7 % 3]);
    const c = kv.take();
    assert.equal(c.reads, 3);
    assert.equal(c.keysRead, 3);
  });

  test('GET /units/<missing> reads 3 keys at most and finds nothing', async () => {
    assert.equal((await get('/fleet/v1/units/nope.service')).status, 404);
    const c = kv.take();
    assert.equal(c.reads, 3);
    assert.equal(c.keysRead, 0);
  });

  test('the first GET /units lists units, desired states and states once (the units view), later pages read only etcd\'s revision', async () => {
    const res = await get('/fleet/v1/units');
    assert.equal(res.json.units.length, 100);
    assert.equal(res.json.units[5].machineID, MACHINES[5 % 3]);
    const c = kv.take();
    assert.equal(c.keysRead, 3 * UNITS, 'units + desired + states, no schedule');
    const again = await get(`/fleet/v1/units?nextPageToken=${res.json.nextPageToken}`);
    assert.equal(again.json.units.length, 100);
    const d = kv.take();
    // etcd's revision, once for the units and once for the states, to answer from memory only what includes every write before the request.
    assert.equal(d.reads, 2);
    assert.ok(d.keysRead <= 2);
  });

  test('GET /state?unitName= from the units view: only etcd\'s revision is read', async () => {
    const res = await get(`/fleet/v1/state?unitName=${name(9)}`);
    assert.equal(res.json.states.length, 1);
    const c = kv.take();
    assert.equal(c.reads, 1);
    assert.ok(c.keysRead <= 1);
  });

  test('GET /machines lists machines and their metadata once (the machines view), then reads only etcd\'s revision; a PATCH is in the next answer', async () => {
    const l = registry.layout;
    const machine = (id: string) => JSON.stringify({ id, publicIP: '10.0.0.1', metadata: { disk: 'hdd' }, version: 'x', capabilities: {} });
    await kv.txn([], MACHINES.map((m) => ({ type: 'put' as const, key: l.machine(m), value: machine(m) })));
    kv.take();
    const first = await get('/fleet/v1/machines');
    assert.deepEqual(first.json.machines.map((m: { id: string }) => m.id), MACHINES);
    assert.equal(kv.take().keysRead, MACHINES.length, 'one listing of machines/ (and machine-metadata/, empty)');
    for (let i = 0; i < 3; i++) {
      assert.deepEqual((await get('/fleet/v1/machines')).json, first.json);
      const c = kv.take();
      assert.equal(c.reads, 1, `request ${i}: etcd's revision only`);
      assert.ok(c.keysRead <= 1);
    }
    const patch = await rawRequest(socket, 'PATCH', '/fleet/v1/machines', { body: JSON.stringify([{ op: 'add', path: '/m2/metadata/disk', value: 'ssd' }]), headers: { 'Content-Type': 'application/json' } });
    assert.equal(patch.status, 204);
    const after = await get('/fleet/v1/machines');
    assert.deepEqual(after.json.machines.find((m: { id: string }) => m.id === 'm2').metadata, { disk: 'ssd' });
    await kv.txn([], [{ type: 'delete', key: l.machine('m3') }]);
    assert.deepEqual((await get('/fleet/v1/machines')).json.machines.map((m: { id: string }) => m.id), ['m1', 'm2'], 'a machine that left is gone from the next answer');
    assert.ok(kv.take().keysRead <= 6, 'no listing after the first');
  });

  test('a schedule change reaches the view without any read', async () => {
    const l = registry.layout;
    await kv.txn([], [{ type: 'delete', key: l.schedule('m2', name(1)) }]);
    await waitFor('entry gone from the view', async () => (await view.entriesOf(name(1))).length === 0);
    const res = await get(`/fleet/v1/units/${name(1)}`);
    assert.equal(res.json.currentState, 'inactive');
    assert.equal(res.json.machineID, undefined);
    assert.equal(kv.take().keysRead, 3);
  });
});

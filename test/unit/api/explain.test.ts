import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeUnplaced, type UnplacedRecord } from '../../../src/registry/index.js';
import { opts, SERVICE, startHarness, type Harness } from './harness.js';

const U = '/fleet/v1/units';

describe('GET /units/<name>/explain', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
    await h.addMachine({ id: 'm1', metadata: { region: 'us' } });
    await h.addMachine({ id: 'm2', metadata: { region: 'us' } });
  });
  after(() => h.stop());

  const explain = async (name: string) => (await h.request('GET', `${U}/${name}/explain`)).json;
  const hashOf = async (name: string) => (await h.registry.api.getUnit(name))!.unit.hash;
  /** What the engine leader publishes (src/engine/explain.ts). */
  const publish = (r: UnplacedRecord) => h.registry.kv.txn([], [{ type: 'put', key: h.registry.layout.unplaced(r.name), value: encodeUnplaced(r) }]);

  test('inactive units need no machine', async () => {
    await h.put(`${U}/off.service`, { options: SERVICE });
    assert.deepEqual(await explain('off.service'), { name: 'off.service', desiredState: 'inactive', machineIDs: [], status: 'inactive', message: 'desired state is inactive' });
  });

  test('unschedulable: the engine\'s published explanation, passed through', async () => {
    await h.put(`${U}/eu.service`, { desiredState: 'launched', options: opts(['Service', 'ExecStart', '/bin/true'], ['X-Fleet', 'MachineMetadata', 'region=eu']) });
    const explanation = { unit: 'eu.service', machines: 2, eligible: 0, rejections: [{ filter: 'MachineMetadata', kind: 'never', machines: 2, constraints: ['region=eu'], example: 'm1: machine has region=us (needs region=eu)' }] };
    await publish({ name: 'eu.service', hash: await hashOf('eu.service'), status: 'unschedulable', message: '0 of 2 machines eligible: 2 by MachineMetadata (region=eu)', explanation });
    const e = await explain('eu.service');
    assert.equal(e.status, 'unschedulable');
    assert.equal(e.message, '0 of 2 machines eligible: 2 by MachineMetadata (region=eu)');
    assert.deepEqual(e.explanation, explanation);
  });

  test('an explanation made for another body of the unit is stale: pending', async () => {
    await h.put(`${U}/changed.service`, { desiredState: 'launched', options: SERVICE });
    await publish({ name: 'changed.service', hash: 'an-older-body', status: 'unschedulable', message: '0 of 2 machines eligible: 2 by Conflicts (x)' });
    assert.deepEqual([(await explain('changed.service')).status, (await explain('changed.service')).message], ['pending', 'waiting for the engine']);
  });

  test('invalid: the engine says the unit\'s options cannot be used', async () => {
    await h.put(`${U}/bad.service`, { desiredState: 'launched', options: SERVICE });
    await publish({ name: 'bad.service', hash: await hashOf('bad.service'), status: 'invalid', message: 'unit options cannot be used: MachineOf value "x" is not a valid unit name' });
    assert.deepEqual([(await explain('bad.service')).status, (await explain('bad.service')).message], ['invalid', 'unit options cannot be used: MachineOf value "x" is not a valid unit name']);
  });

  test('pending: not placed and nothing published yet', async () => {
    await h.put(`${U}/new.service`, { desiredState: 'launched', options: SERVICE });
    const e = await explain('new.service');
    assert.deepEqual([e.status, e.message], ['pending', 'waiting for the engine']);
  });

  test('scheduled: placed and staying', async () => {
    await h.put(`${U}/placed.service`, { desiredState: 'launched', options: SERVICE });
    await h.schedule({ machineId: 'm2', name: 'placed.service', hash: 'x', targetState: 'launched' });
    const e = await explain('placed.service');
    assert.deepEqual([e.status, e.machineIDs, e.message], ['scheduled', ['m2'], 'scheduled to m2']);
  });

  test('404 for unknown units; 405 for other methods', async () => {
    assert.equal((await h.request('GET', `${U}/none.service/explain`)).status, 404);
    assert.equal((await h.request('PUT', `${U}/off.service/explain`)).status, 405);
  });
});

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
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

  test('inactive units need no machine', async () => {
    await h.put(`${U}/off.service`, { options: SERVICE });
    assert.deepEqual(await explain('off.service'), { name: 'off.service', desiredState: 'inactive', machineIDs: [], status: 'inactive', message: 'desired state is inactive' });
  });

  test('unschedulable: the scheduler\'s per-filter counts and its one-line summary', async () => {
    await h.put(`${U}/eu.service`, { desiredState: 'launched', options: opts(['Service', 'ExecStart', '/bin/true'], ['X-Fleet', 'MachineMetadata', 'region=eu']) });
    const e = await explain('eu.service');
    assert.equal(e.status, 'unschedulable');
    assert.equal(e.message, '0 of 2 machines eligible: 2 by MachineMetadata (region=eu)');
    assert.equal(e.explanation.rejections[0].filter, 'MachineMetadata');
  });

  test('pending: the engine will place it on its next pass', async () => {
    await h.put(`${U}/new.service`, { desiredState: 'launched', options: SERVICE });
    const e = await explain('new.service');
    assert.equal(e.status, 'pending');
    assert.match(e.message, /^schedule to m[12]: /);
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

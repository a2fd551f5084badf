import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { encodePageToken } from '../../../src/api/pagination.js';
import { startHarness, type Harness } from './harness.js';
import { fromApiMachine } from '../../../fleetctl/client/http-client.js';
import type { ApiMachine } from '../../../src/api/schema.js';

const M = '/fleet/v1/machines';
const S = '/fleet/v1/state';
const JSON_HEADERS = { 'Content-Type': 'application/json' };

describe('/machines', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ tokenLimit: 2 });
    await h.addMachine({ id: 'm3', publicIP: '10.0.0.3' });
    await h.addMachine({ id: 'm1', publicIP: '10.0.0.1', metadata: { region: 'eu', disk: 'ssd' } });
    await h.addMachine({ id: 'm2' });
  });
  after(() => h.stop());

  test('GET: sorted by id, paginated, metadata and primaryIP omitted when empty', async () => {
    const p1 = await h.request('GET', M);
    assert.equal(p1.status, 200);
    assert.deepEqual(p1.json, {
      machines: [{ id: 'm1', metadata: { disk: 'ssd', region: 'eu' }, primaryIP: '10.0.0.1' }, { id: 'm2' }],
      nextPageToken: encodePageToken({ limit: 2, page: 2 }),
    });
    const p2 = await h.request('GET', `${M}?nextPageToken=${p1.json.nextPageToken}`);
    assert.deepEqual(p2.json, { machines: [{ id: 'm3', primaryIP: '10.0.0.3' }] });
    const p3 = await h.request('GET', `${M}?nextPageToken=${encodePageToken({ limit: 2, page: 3 })}`);
    assert.deepEqual(p3.json, {}, 'a page beyond the end is empty');
  });

  test('PATCH: fleet\'s nested value and the documented plain value; remove hides configured metadata; 204 with JSON type', async () => {
    const ops = [
      { op: 'add', path: '/m1/metadata/rack', value: { value: 'r1' } },
      { op: 'replace', path: '/m2/metadata/rack', value: 'r2' },
      { op: 'remove', path: '/m1/metadata/disk' },
      { op: 'add', path: '/unknown-machine/metadata/x', value: { value: 'y' } },
    ];
    const res = await h.request('PATCH', M, { body: JSON.stringify(ops), headers: JSON_HEADERS });
    assert.equal(res.status, 204);
    assert.equal(res.headers['content-type'], 'application/json');
    const list = await h.registry.api.listMachines();
    assert.deepEqual(list.map((m) => [m.id, m.metadata]), [
      ['m1', { rack: 'r1', region: 'eu' }],
      ['m2', { rack: 'r2' }],
      ['m3', {}],
    ]);
    const res2 = await h.request('PATCH', M, { body: JSON.stringify([{ op: 'remove', path: '/m2/metadata/rack' }]) });
    assert.equal(res2.status, 204, 'no Content-Type is accepted, as fleet never checked it');
    assert.deepEqual((await h.registry.api.listMachines())[1]!.metadata, {});
  });

  test('PATCH validates every op before applying any (fleet\'s messages)', async () => {
    const cases: Array<[unknown, string]> = [
      [[{ op: 'move', path: '/m1/metadata/a', value: 'x' }], 'invalid op: expect add, remove, or replace'],
      [[{ op: 'add', path: '/m1/meta/a', value: 'x' }], 'machine metadata path invalid'],
      [[{ op: 'add', path: '/m1/metadata/a b', value: 'x' }], 'machine metadata path invalid'],
      [[{ op: 'add', path: '/m1/metadata/_a', value: 'x' }], 'machine metadata path invalid'],
      [[{ op: 'add', path: '/m1/metadata/a', value: { value: '' } }], 'invalid value: add and replace require a value'],
      [[{ op: 'replace', path: '/m1/metadata/a' }], 'invalid value: add and replace require a value'],
      [[{ op: 'add', path: '/m1/metadata/a', value: 7 }], 'unable to decode body: operation 1 value must be a string or {"value": string}'],
      [{ op: 'add' }, 'unable to decode body: expected a JSON array of operations'],
    ];
    for (const [body, message] of cases) {
      const ops = Array.isArray(body) ? [{ op: 'add', path: '/m3/metadata/first', value: 'applied?' }, ...body] : body;
      const res = await h.request('PATCH', M, { body: JSON.stringify(ops), headers: JSON_HEADERS });
      assert.equal(res.status, 400, message);
      assert.equal(res.json.error.message, message);
    }
    assert.deepEqual((await h.registry.api.listMachines())[2]!.metadata, {}, 'nothing applied');
    const bad = await h.request('PATCH', M, { body: '[{', headers: JSON_HEADERS });
    assert.equal(bad.status, 400);
    assert.match(bad.json.error.message, /^unable to decode body: /);
    const wrongType = await h.request('PATCH', M, { body: '[]', headers: { 'Content-Type': 'text/plain' } });
    assert.equal(wrongType.status, 415);
  });

  test('405 for other methods', async () => {
    const res = await h.request('PUT', M, { body: '[]', headers: JSON_HEADERS });
    assert.equal(res.status, 405);
    assert.equal(res.json.error.message, 'only GET and PATCH supported against this resource');
  });
});

describe('/state', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ tokenLimit: 2 });
    await h.report({ name: 'b.service', machineId: 'm1', hash: 'h1' });
    await h.report({ name: 'a.service', machineId: 'm2', hash: 'h2', activeState: 'failed', subState: 'failed' });
    await h.report({ name: 'a.service', machineId: 'm1', hash: 'h2' });
  });
  after(() => h.stop());

  test('GET: sorted by (name, machineID), fleet\'s field names, paginated', async () => {
    const p1 = await h.request('GET', S);
    assert.deepEqual(p1.json.states, [
      { hash: 'h2', machineID: 'm1', name: 'a.service', systemdActiveState: 'active', systemdLoadState: 'loaded', systemdSubState: 'running' },
      { hash: 'h2', machineID: 'm2', name: 'a.service', systemdActiveState: 'failed', systemdLoadState: 'loaded', systemdSubState: 'failed' },
    ]);
    const p2 = await h.request('GET', `${S}?nextPageToken=${p1.json.nextPageToken}`);
    assert.deepEqual(p2.json.states.map((s: { name: string }) => s.name), ['b.service']);
    assert.equal(p2.json.nextPageToken, undefined);
  });

  test('filters by unitName and machineID (first value of each)', async () => {
    const pick = (r: { json: { states?: Array<{ name: string; machineID: string }> } }) => (r.json.states ?? []).map((s) => `${s.name}@${s.machineID}`);
    assert.deepEqual(pick(await h.request('GET', `${S}?machineID=m1`)), ['a.service@m1', 'b.service@m1']);
    assert.deepEqual(pick(await h.request('GET', `${S}?unitName=a.service`)), ['a.service@m1', 'a.service@m2']);
    assert.deepEqual(pick(await h.request('GET', `${S}?unitName=a.service&machineID=m2&machineID=m1`)), ['a.service@m2']);
    assert.deepEqual((await h.request('GET', `${S}?unitName=nope.service`)).json, {});
    assert.deepEqual((await h.request('GET', `${S}?unitName=bad%2Fname`)).json, {});
  });

  test('GET /state/<name>: the first machine\'s state, 404 when none (fleet crashed here)', async () => {
    const res = await h.request('GET', `${S}/a.service`);
    assert.equal(res.status, 200);
    assert.equal(res.json.machineID, 'm1');
    const miss = await h.request('GET', `${S}/none.service`);
    assert.equal(miss.status, 404);
    assert.deepEqual(miss.json, { error: { code: 404, message: 'unit state does not exist' } });
    assert.equal((await h.request('GET', `${S}/bad{.service`)).status, 404);
  });

  test('405 for other methods', async () => {
    assert.equal((await h.request('DELETE', S)).status, 405);
    assert.equal((await h.request('PUT', `${S}/a.service`)).status, 405);
  });
});

describe('/machines resources', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
    await h.addMachine({ id: 'm1', resources: { capacity: { cpu: 4, memory: 4096 }, reserved: { cpu: 1 }, allocated: { cpu: 0.5 } } });
    await h.addMachine({ id: 'm2' });
  });
  after(() => h.stop());

  test('GET: a resources object (capacity, reserved, allocatable, allocated) only for machines that publish one', async () => {
    const r = await h.request('GET', M);
    assert.deepEqual(r.json, {
      machines: [
        { id: 'm1', resources: { capacity: { cpu: 4, memory: 4096 }, reserved: { cpu: 1 }, allocatable: { cpu: 3, memory: 4096 }, allocated: { cpu: 0.5 } } },
        { id: 'm2' },
      ],
    });
    const machines = (r.json.machines as ApiMachine[]).map(fromApiMachine);
    assert.deepEqual(machines[0]!.resources?.allocatable, { cpu: 3, memory: 4096 }, 'fleetctl reads it back');
    assert.equal(machines[1]!.resources, undefined);
  });
});

describe('/policy', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(() => h.stop());

  test('GET shows the default; PUT validates and replaces; a bad document is a 400 naming every problem', async () => {
    const P = '/fleet/v1/policy';
    assert.equal((await h.request('GET', P)).json.strategy, 'spread');
    const put = await h.request('PUT', P, { body: JSON.stringify({ strategy: 'binpack', spreadBy: 'az' }), headers: JSON_HEADERS });
    assert.equal(put.status, 200);
    assert.equal(put.json.strategy, 'binpack');
    assert.equal((await h.request('GET', P)).json.spreadBy, 'az');
    const bad = await h.request('PUT', P, { body: JSON.stringify({ strategy: 'x', scorers: { balanced: -1 } }), headers: JSON_HEADERS });
    assert.equal(bad.status, 400);
    assert.deepEqual(bad.json, { error: { code: 400, message: 'invalid policy: strategy "x" is not one of spread, binpack, random; scorer balanced weight -1 must be a number above 0 and at most 100' } });
    assert.equal((await h.request('GET', P)).json.strategy, 'binpack', 'unchanged');
    assert.equal((await h.request('DELETE', P)).status, 405);
  });
});

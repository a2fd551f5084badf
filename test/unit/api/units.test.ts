import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { buildUnit } from '../../../src/units/index.js';
import { opts, SERVICE, startHarness, type Harness } from './harness.js';
import { waitFor } from '../../support/wait.js';

const U = '/fleet/v1/units';

describe('PUT /units/<name>', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(() => h.stop());

  test('creates a unit (201, no body, no content type), stored canonically with its desired state', async () => {
    const res = await h.put(`${U}/hello.service`, { desiredState: 'launched', options: SERVICE });
    assert.equal(res.status, 201);
    assert.equal(res.text, '');
    assert.equal(res.headers['content-type'], undefined);
    const stored = await h.registry.api.getUnit('hello.service');
    const built = buildUnit('hello.service', SERVICE);
    assert.deepEqual(stored, { unit: { name: 'hello.service', options: built.options, hash: built.hash }, desired: 'launched' });
    assert.equal((await h.registry.kv.get(h.registry.layout.body(built.hash))).kv?.value, built.text, 'the canonical text is the body at its hash');
  });

  test('a new unit without desiredState is inactive; the body name may be given and must match', async () => {
    assert.equal((await h.put(`${U}/quiet.service`, { name: 'quiet.service', options: SERVICE })).status, 201);
    assert.equal((await h.registry.api.getUnit('quiet.service'))?.desired, 'inactive');
    const res = await h.put(`${U}/quiet2.service`, { name: 'other.service', options: SERVICE });
    assert.equal(res.status, 400);
    assert.equal(res.json.error.message, 'name in URL "quiet2.service" differs from unit name in request body "other.service"');
  });

  test('same options + desiredState changes only the desired state (204)', async () => {
    await h.put(`${U}/same.service`, { desiredState: 'loaded', options: SERVICE });
    const res = await h.put(`${U}/same.service`, { desiredState: 'launched', options: SERVICE });
    assert.equal(res.status, 204);
    assert.equal((await h.registry.api.getUnit('same.service'))?.desired, 'launched');
    assert.equal((await h.put(`${U}/same.service`, { desiredState: 'inactive' })).status, 204);
    assert.equal((await h.registry.api.getUnit('same.service'))?.desired, 'inactive');
  });

  test('options that group into the same canonical text hash the same, so they do not replace', async () => {
    const three = opts(['Unit', 'Description', 'x'], ['Service', 'ExecStart', '/bin/true'], ['Unit', 'After', 'y.service']);
    await h.put(`${U}/order.service`, { desiredState: 'loaded', options: three });
    const res = await h.put(`${U}/order.service`, { desiredState: 'launched', options: [three[0], three[2], three[1]] });
    assert.equal(res.status, 204);
  });

  test('changed options replace the unit (201) after validation; the desired state is kept when none is given', async () => {
    await h.put(`${U}/repl.service`, { desiredState: 'launched', options: SERVICE });
    const next = opts(['Service', 'ExecStart', '/bin/sleep 2000']);
    const res = await h.put(`${U}/repl.service`, { options: next });
    assert.equal(res.status, 201);
    const stored = await h.registry.api.getUnit('repl.service');
    assert.equal(stored?.unit.hash, buildUnit('repl.service', next).hash);
    assert.equal(stored?.desired, 'launched');
  });

  test('changed options that fail validation are refused (400) and nothing changes (fleet skipped this check)', async () => {
    await h.put(`${U}/valid.service`, { desiredState: 'launched', options: SERVICE });
    const before = await h.registry.api.getUnit('valid.service');
    const bad = opts(['Service', 'ExecStart', '/bin/true'], ['X-Fleet', 'MachineID', 'abc'], ['X-Fleet', 'Global', 'true']);
    const res = await h.put(`${U}/valid.service`, { desiredState: 'inactive', options: bad });
    assert.equal(res.status, 400);
    assert.match(res.json.error.message, /MachineID cannot be used with Global/);
    assert.deepEqual(await h.registry.api.getUnit('valid.service'), before);
  });

  test('bad options on a new unit are refused with the validation message', async () => {
    const bad = opts(['X-Fleet', 'MachineOf', 'a.service'], ['X-Fleet', 'Conflicts', 'a.*']);
    const res = await h.put(`${U}/newbad.service`, { options: bad });
    assert.equal(res.status, 400);
    assert.equal(res.json.error.message, 'unresolvable requirements: peer "a.service" matches conflict "a.*"');
    assert.equal(await h.registry.api.getUnit('newbad.service'), undefined);
  });

  test('409 for a new unit without options, and for an existing one without desiredState', async () => {
    let res = await h.put(`${U}/nothing.service`, { desiredState: 'launched' });
    assert.equal(res.status, 409);
    assert.deepEqual(res.json, { error: { code: 409, message: 'unit does not exist and options field empty' } });
    await h.put(`${U}/exists.service`, { options: SERVICE });
    res = await h.put(`${U}/exists.service`, { options: SERVICE });
    assert.equal(res.status, 409);
    assert.equal(res.json.error.message, 'must provide DesiredState to update existing unit');
    res = await h.put(`${U}/exists.service`, {});
    assert.equal(res.status, 409);
  });

  test('an invalid desiredState is refused (400 naming the value), on create and on update', async () => {
    let res = await h.put(`${U}/ds.service`, { desiredState: 'running', options: SERVICE });
    assert.equal(res.status, 400);
    assert.match(res.json.error.message, /invalid value "running" for desiredState/);
    assert.equal(await h.registry.api.getUnit('ds.service'), undefined);
    await h.put(`${U}/ds.service`, { options: SERVICE });
    res = await h.put(`${U}/ds.service`, { desiredState: 'bogus' });
    assert.equal(res.status, 400);
    assert.match(res.json.error.message, /"bogus"/);
    assert.equal((await h.registry.api.getUnit('ds.service'))?.desired, 'inactive');
  });

  test('templates can be submitted but never activated (also not at creation)', async () => {
    let res = await h.put(`${U}/tmpl@.service`, { desiredState: 'launched', options: SERVICE });
    assert.equal(res.status, 400);
    assert.deepEqual(res.json, { error: { code: 400, message: 'cannot activate template "tmpl@.service"' } });
    assert.equal(await h.registry.api.getUnit('tmpl@.service'), undefined);
    assert.equal((await h.put(`${U}/tmpl@.service`, { desiredState: 'inactive', options: SERVICE })).status, 201);
    res = await h.put(`${U}/tmpl@.service`, { desiredState: 'loaded' });
    assert.equal(res.status, 400);
    assert.equal(res.json.error.message, 'cannot activate template "tmpl@.service"');
  });

  test('an instance with options is an ordinary unit', async () => {
    const res = await h.put(`${U}/tmpl@1.service`, { desiredState: 'launched', options: opts(['Service', 'ExecStart', '/bin/echo %i']) });
    assert.equal(res.status, 201);
    assert.equal((await h.registry.api.getUnit('tmpl@1.service'))?.desired, 'launched');
  });

  test('bad names are refused with fleet\'s exact messages', async () => {
    const cases: Array<[string, string]> = [
      ['foo.servICE', 'invalid unit type: "servICE"'],
      ['noext', 'unit name must contain "."'],
      ['dog=woof@.mount', 'invalid unit type for template: "mount"'],
      ['foo@1.mount', 'invalid unit type for template: "mount"'],
      ['a{b.service', "invalid character '{' in unit name"],
      ['@foo.service', 'unit name cannot start in "@"'],
      ['yes%2Fno.service', "invalid character '/' in unit name"],
    ];
    for (const [name, message] of cases) {
      const res = await h.put(`${U}/${name}`, { desiredState: 'inactive', options: SERVICE });
      assert.equal(res.status, 400, name);
      assert.equal(res.json.error.message, message, name);
    }
  });

  test('bad JSON (400 naming the problem), wrong content type (415), oversize body (413)', async () => {
    let res = await h.request('PUT', `${U}/j.service`, { body: '{"options": [', headers: { 'Content-Type': 'application/json' } });
    assert.equal(res.status, 400);
    assert.match(res.json.error.message, /^unable to decode body: /);
    res = await h.request('PUT', `${U}/j.service`, { body: '', headers: { 'Content-Type': 'application/json' } });
    assert.equal(res.json.error.message, 'unable to decode body: EOF');
    res = await h.request('PUT', `${U}/j.service`, { body: '{"options": "x"}', headers: { 'Content-Type': 'application/json' } });
    assert.equal(res.status, 400);
    assert.equal(res.json.error.message, 'unable to decode body: field "options" must be an array');
    res = await h.request('PUT', `${U}/j.service`, { body: '{"options":[{"section":"Service","name":3}]}', headers: { 'Content-Type': 'application/json' } });
    assert.equal(res.json.error.message, 'unable to decode body: options[0].name must be a string');

    res = await h.request('PUT', `${U}/j.service`, { body: '{}', headers: { 'Content-Type': 'text/plain' } });
    assert.equal(res.status, 415);
    assert.equal(res.json.error.message, 'only acceptable Content-Type is application/json');
    res = await h.request('PUT', `${U}/j.service`, { body: '{}' });
    assert.equal(res.status, 415);
    assert.equal(res.json.error.message, 'expected 1 Content-Type, got 0');
    res = await h.request('PUT', `${U}/j.service`, { body: '{}', headers: { 'Content-Type': ['application/json', 'application/json'] } });
    assert.equal(res.status, 415);
    assert.equal(res.json.error.message, 'expected 1 Content-Type, got 2');
    res = await h.request('PUT', `${U}/j.service`, { body: '{"desiredState":"inactive","options":[]}', headers: { 'Content-Type': 'application/json; charset=utf-8' } });
    assert.equal(res.status, 409, 'parameters after the media type are fine');

    const big = JSON.stringify({ options: [{ section: 'Service', name: 'Environment', value: 'x'.repeat(1024 * 1024) }] });
    res = await h.request('PUT', `${U}/big.service`, { body: big, headers: { 'Content-Type': 'application/json' } });
    assert.equal(res.status, 413);
    assert.equal(res.json.error.message, 'request body exceeds 1048576 bytes');
    assert.equal(await h.registry.api.getUnit('big.service'), undefined);
  });
});

describe('GET and DELETE /units', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ tokenLimit: 2 });
  });
  after(() => h.stop());

  test('GET one: fleet\'s fields, empty values omitted; 404 for unknown and impossible names', async () => {
    await h.put(`${U}/g.service`, { desiredState: 'loaded', options: opts(['Unit', 'Description', ''], ['Service', 'ExecStart', '/bin/true']) });
    const res = await h.request('GET', `${U}/g.service`);
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-type'], 'application/json');
    assert.deepEqual(res.json, {
      currentState: 'inactive',
      desiredState: 'loaded',
      name: 'g.service',
      options: [{ section: 'Unit', name: 'Description' }, { section: 'Service', name: 'ExecStart', value: '/bin/true' }],
    });
    for (const name of ['nope.service', 'bad{name.service']) {
      const miss = await h.request('GET', `${U}/${name}`);
      assert.equal(miss.status, 404);
      assert.deepEqual(miss.json, { error: { code: 404, message: 'unit does not exist' } });
    }
  });

  test('DELETE: 204 then 404', async () => {
    await h.put(`${U}/d.service`, { options: SERVICE });
    let res = await h.request('DELETE', `${U}/d.service`);
    assert.equal(res.status, 204);
    assert.equal(res.text, '');
    assert.equal(await h.registry.api.getUnit('d.service'), undefined);
    res = await h.request('DELETE', `${U}/d.service`);
    assert.equal(res.status, 404);
    assert.equal(res.json.error.message, 'unit does not exist');
  });

  test('405 on other methods', async () => {
    let res = await h.request('POST', `${U}/g.service`);
    assert.equal(res.status, 405);
    assert.equal(res.json.error.message, 'only GET, PUT and DELETE supported against this resource');
    res = await h.request('DELETE', U);
    assert.equal(res.status, 405);
    assert.equal(res.json.error.message, 'only GET supported against this resource');
  });

  test('the list is sorted by name and paginated; no empty trailing page', async () => {
    for (const n of ['c', 'a', 'e', 'b']) await h.put(`${U}/p-${n}.service`, { options: SERVICE });
    await h.request('DELETE', `${U}/g.service`);
    const names: string[] = [];
    let path = U;
    let pages = 0;
    for (;;) {
      const res = await h.request('GET', path);
      assert.equal(res.status, 200);
      pages++;
      names.push(...(res.json.units ?? []).map((u: { name: string }) => u.name));
      if (res.json.nextPageToken === undefined) break;
      assert.equal(res.json.units.length, 2);
      path = `${U}?nextPageToken=${encodeURIComponent(res.json.nextPageToken)}&alt=json`;
    }
    assert.deepEqual(names, ['p-a.service', 'p-b.service', 'p-c.service', 'p-e.service']);
    assert.equal(pages, 2, 'exactly full last page: no extra empty page');
  });

  test('bad page tokens: 400 with fleet messages', async () => {
    let res = await h.request('GET', `${U}?nextPageToken=EwBMLg==`);
    assert.equal(res.status, 400);
    assert.equal(res.json.error.message, 'token limit must be 2');
    res = await h.request('GET', `${U}?nextPageToken=a&nextPageToken=b`);
    assert.equal(res.json.error.message, 'too many values for page token');
  });

  test('an empty list is {}', async () => {
    const h2 = await startHarness();
    try {
      const res = await h2.request('GET', U);
      assert.equal(res.status, 200);
      assert.deepEqual(res.json, {});
    } finally {
      await h2.stop();
    }
  });
});

describe('currentState and machineID', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(() => h.stop());

  const get = async (name: string) => (await h.request('GET', `${U}/${name}`)).json;

  test('ordinary unit: inactive until scheduled and reported with the scheduled hash, then loaded/launched by systemd state', async () => {
    await h.put(`${U}/web.service`, { desiredState: 'launched', options: SERVICE });
    const hash = (await h.registry.api.getUnit('web.service'))!.unit.hash;
    assert.equal((await get('web.service')).currentState, 'inactive');
    assert.equal((await get('web.service')).machineID, undefined);

    await h.schedule({ machineId: 'm2', name: 'web.service', hash, targetState: 'launched' });
    assert.deepEqual([(await get('web.service')).currentState, (await get('web.service')).machineID], ['inactive', 'm2']);

    await h.report({ name: 'web.service', machineId: 'm2', hash: 'old', activeState: 'active' });
    assert.equal((await get('web.service')).currentState, 'inactive', 'a state for another hash does not count');

    await h.report({ name: 'web.service', machineId: 'm2', hash, activeState: 'inactive', subState: 'dead' });
    assert.equal((await get('web.service')).currentState, 'loaded');

    await h.report({ name: 'web.service', machineId: 'm2', hash, activeState: 'active' });
    assert.equal((await get('web.service')).currentState, 'launched');
    const list = await h.request('GET', U);
    assert.deepEqual(list.json.units.find((u: { name: string }) => u.name === 'web.service').currentState, 'launched');
  });

  test('global unit: no machineID, the least advanced state over its machines, the same in list and GET', async () => {
    const options = opts(['Service', 'ExecStart', '/bin/true'], ['X-Fleet', 'Global', 'true']);
    await h.put(`${U}/g.service`, { desiredState: 'launched', options });
    const hash = (await h.registry.api.getUnit('g.service'))!.unit.hash;
    await h.schedule({ machineId: 'm1', name: 'g.service', hash, targetState: 'launched' });
    await h.schedule({ machineId: 'm2', name: 'g.service', hash, targetState: 'launched' });
    await h.report({ name: 'g.service', machineId: 'm1', hash, activeState: 'active' });
    let one = await get('g.service');
    assert.equal(one.currentState, 'inactive');
    assert.equal(one.machineID, undefined);
    await h.report({ name: 'g.service', machineId: 'm2', hash, activeState: 'failed' });
    assert.equal((await get('g.service')).currentState, 'loaded');
    await h.report({ name: 'g.service', machineId: 'm2', hash, activeState: 'active' });
    one = await get('g.service');
    assert.equal(one.currentState, 'launched');
    const list = await h.request('GET', U);
    assert.deepEqual(list.json.units.find((u: { name: string }) => u.name === 'g.service'), one);
  });
});

describe('GET /units?options=false (ours: the dashboard\'s listing)', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(() => h.stop());

  test('each unit as the full listing shows it, without options, global units marked; the full listing is unchanged', async () => {
    const global = opts(['Service', 'ExecStart', '/bin/true'], ['X-Fleet', 'Global', 'true']);
    await h.put(`${U}/g.service`, { desiredState: 'launched', options: global });
    await h.put(`${U}/p.service`, { desiredState: 'loaded', options: opts(['Service', 'ExecStart', '/bin/true'], ['X-Fleet', 'Priority', '7']) });
    await h.put(`${U}/w.service`, { desiredState: 'launched', options: SERVICE });
    const hash = (await h.registry.api.getUnit('w.service'))!.unit.hash;
    await h.schedule({ machineId: 'm1', name: 'w.service', hash, targetState: 'launched' });
    await h.report({ name: 'w.service', machineId: 'm1', hash, activeState: 'active' });
    await waitFor('w.service launched in the listing', async () => (await h.request('GET', U)).json.units.find((u: { name: string }) => u.name === 'w.service')?.currentState === 'launched');
    const full = (await h.request('GET', U)).json.units as Array<Record<string, unknown>>;
    const res = await h.request('GET', `${U}?options=false`);
    assert.equal(res.status, 200);
    const expected = full.map(({ options: _options, ...rest }) => (rest['name'] === 'g.service' ? { ...rest, global: true } : rest));
    assert.deepEqual(res.json.units, expected);
    assert.ok(full.every((u) => Array.isArray(u['options']) && u['global'] === undefined), 'the full listing keeps fleet\'s shape');
    assert.deepEqual(res.json.units.find((u: { name: string }) => u.name === 'p.service').priority, 7);
    // The two forms are remembered apart.
    assert.deepEqual((await h.request('GET', U)).json.units, full);
    assert.deepEqual((await h.request('GET', `${U}?options=true`)).json.units, full);
  });

  test('another value is refused by name', async () => {
    const res = await h.request('GET', `${U}?options=no`);
    assert.equal(res.status, 400);
    assert.equal(res.json.error.message, 'invalid options "no": expected true or false');
  });
});

describe('GET /units from the views: a listing is reused only while nothing changed', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(() => h.stop());

  test('schedule, state and desired-state changes each show in the next listings', async () => {
    const name = 'memo.service';
    const hash = buildUnit(name, SERVICE).hash;
    assert.equal((await h.put(`${U}/${name}`, { desiredState: 'launched', options: SERVICE })).status, 201);
    const listed = async () => {
      const res = await h.request('GET', U);
      assert.equal(res.status, 200);
      return (res.json.units as Array<Record<string, unknown>>).find((u) => u.name === name);
    };
    assert.deepEqual(await listed(), await listed());
    assert.equal((await listed())?.currentState, 'inactive');
    await h.schedule({ machineId: 'm2', name, hash, targetState: 'launched' });
    await waitFor('scheduled to m2', async () => (await listed())?.machineID === 'm2');
    assert.equal((await listed())?.currentState, 'inactive', 'm2 has not reported it');
    await h.report({ name, machineId: 'm2', hash });
    assert.equal((await listed())?.currentState, 'launched');
    await h.report({ name, machineId: 'm2', hash, activeState: 'failed', subState: 'failed' });
    assert.equal((await listed())?.currentState, 'loaded');
    assert.equal((await h.put(`${U}/${name}`, { desiredState: 'inactive' })).status, 204);
    assert.equal((await listed())?.desiredState, 'inactive');
  });
});

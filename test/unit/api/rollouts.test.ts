import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SERVICE, startHarness, type Harness } from './harness.js';

const V2 = [...SERVICE, { section: 'Service', name: 'Environment', value: 'V=2' }];

describe('/rollouts', () => {
  let h: Harness;
  const post = (path: string, body?: unknown) =>
    h.request('POST', path, body === undefined ? {} : { body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } });
  before(async () => {
    h = await startHarness();
    assert.equal((await h.put('/fleet/v1/units/web@.service', { desiredState: 'inactive', options: SERVICE })).status, 201);
    for (const i of [1, 2, 3]) assert.equal((await h.put(`/fleet/v1/units/web@${i}.service`, { desiredState: 'launched' })).status, 201);
  });
  after(() => h.stop());

  test('POST creates a pending rollout of a template with resolved settings; its body is stored', async () => {
    const res = await post('/fleet/v1/rollouts', { name: 'web@.service', options: V2, maxParallel: 2, minHealthyTime: '3s', autoRevert: true });
    assert.equal(res.status, 201, res.text);
    assert.equal(res.json.group, 'web@.service');
    assert.equal(res.json.kind, 'template');
    assert.equal(res.json.phase, 'pending');
    assert.deepEqual(res.json.settings, { maxParallel: 2, minHealthyTimeMs: 3000, healthyDeadlineMs: 300000, autoRevert: true });
    assert.equal(res.json.summary.finished, false);
    const stored = await h.registry.api.getRollout('web@.service');
    assert.equal(stored?.record.toHash, res.json.toHash);
    assert.notEqual(res.json.toHash, res.json.fromHash);
    assert.ok((await h.registry.kv.get(`/fleet/bodies/${res.json.toHash}`)).kv, 'the new body is stored');
    const got = await h.request('GET', '/fleet/v1/rollouts/web@.service');
    assert.equal(got.json.toHash, res.json.toHash);
    const list = await h.request('GET', '/fleet/v1/rollouts');
    assert.deepEqual(list.json.rollouts.map((r: { group: string }) => r.group), ['web@.service']);
  });

  test('a second rollout of the group while one is unfinished: 409 naming it', async () => {
    const res = await post('/fleet/v1/rollouts', { name: 'web@.service', options: [...V2, { section: 'Service', name: 'Environment', value: 'V=3' }] });
    assert.equal(res.status, 409);
    assert.match(res.json.error.message, /rollout of web@\.service is not finished \(phase pending\)/);
  });

  test('pause, resume, undo set the operator flags', async () => {
    assert.equal((await post('/fleet/v1/rollouts/web@.service/pause')).json.paused, true);
    assert.equal((await post('/fleet/v1/rollouts/web@.service/pause')).json.paused, true, 'idempotent');
    assert.equal((await post('/fleet/v1/rollouts/web@.service/resume')).json.paused, false);
    const undo = await post('/fleet/v1/rollouts/web@.service/undo');
    assert.equal(undo.status, 200);
    assert.equal(undo.json.undoRequested, true);
    assert.equal((await h.request('GET', '/fleet/v1/rollouts/web@.service/undo')).status, 405);
  });

  test('bad input: 400 naming the field or the [X-Fleet] key, nothing written', async () => {
    const cases: [unknown, RegExp][] = [
      [{ name: 'db.service', options: SERVICE, maxParallel: 0 }, /invalid value 0 for maxParallel: not an integer >= 1/],
      [{ name: 'db.service', options: SERVICE, minHealthyTime: 'soon' }, /invalid value "soon" for minHealthyTime: not a duration/],
      [{ name: 'db.service', options: SERVICE, autoRevert: 'yes' }, /autoRevert: expected true or false/],
      [{ name: 'db.service', options: [...SERVICE, { section: 'X-Fleet', name: 'RolloutMaxParallel', value: 'two' }] }, /RolloutMaxParallel value "two" is not an integer >= 1/],
      [{ name: 'db.service', options: SERVICE, minHealthyTime: '10m' }, /healthy deadline \(5m0s\) must be longer than min healthy time \(10m0s\)/],
      [{ options: SERVICE }, /field "name" is required/],
      [{ name: 'db.service' }, /field "options" is required/],
    ];
    for (const [body, message] of cases) {
      const res = await post('/fleet/v1/rollouts', body);
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.match(res.json.error.message, message);
    }
    assert.equal(await h.registry.api.getRollout('db.service'), undefined);
  });

  test('a unit that does not exist: 404; the same text: 409', async () => {
    await h.put('/fleet/v1/units/db.service', { desiredState: 'launched', options: SERVICE });
    const absent = await post('/fleet/v1/rollouts', { name: 'nope.service', options: SERVICE });
    assert.equal(absent.status, 404);
    assert.match(absent.json.error.message, /unit nope\.service does not exist; submit it first/);
    const same = await post('/fleet/v1/rollouts', { name: 'db.service', options: SERVICE });
    assert.equal(same.status, 409);
    assert.match(same.json.error.message, /nothing to roll out/);
  });

  test('GET of an unknown rollout: 404', async () => {
    assert.equal((await h.request('GET', '/fleet/v1/rollouts/zzz.service')).status, 404);
    assert.equal((await post('/fleet/v1/rollouts/zzz.service/pause')).status, 404);
  });
});

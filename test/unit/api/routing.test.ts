import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { VERSION } from '../../../src/version.js';
import { ETCD_UNAVAILABLE_MESSAGE } from '../../../src/api/errors.js';
import { SERVICE, startHarness, type Harness } from './harness.js';

describe('routing, headers, discovery, metrics', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(() => h.stop());

  test('every resource is also under /v1-alpha', async () => {
    assert.equal((await h.put('/v1-alpha/units/alpha.service', { desiredState: 'loaded', options: SERVICE })).status, 201);
    const res = await h.request('GET', '/v1-alpha/units/alpha.service');
    assert.equal(res.status, 200);
    assert.equal(res.json.desiredState, 'loaded');
    for (const path of ['/v1-alpha/units', '/v1-alpha/machines', '/v1-alpha/state', '/v1-alpha/discovery']) {
      assert.equal((await h.request('GET', path)).status, 200, path);
    }
  });

  test('fallbacks: / and bare prefixes 405, unknown paths 404, both with an empty message', async () => {
    for (const path of ['/', '/fleet/v1', '/v1-alpha']) {
      const res = await h.request('GET', path);
      assert.equal(res.status, 405, path);
      assert.deepEqual(res.json, { error: { code: 405, message: '' } });
    }
    for (const path of ['/nope', '/fleet/v1/units/', '/fleet/v1/units/a/b', '/fleet/v1/units/a.service/other', '/fleet/v1/unit', '/fleet/v1/state/a/b', '/fleet/v2/units', '/fleet/v1/units/%E0%A4%A']) {
      const res = await h.request('GET', path);
      assert.equal(res.status, 404, path);
      assert.deepEqual(res.json, { error: { code: 404, message: '' } });
    }
  });

  test('Server: fleetd/<version> on every response, errors and successes alike', async () => {
    for (const path of ['/', '/fleet/v1/units', '/fleet/v1/units/none.service', '/metrics']) {
      assert.equal((await h.request('GET', path)).headers['server'], `fleetd/${VERSION}`, path);
    }
  });

  test('discovery document: GET only (400 otherwise, fleet\'s message)', async () => {
    const res = await h.request('GET', '/fleet/v1/discovery');
    assert.equal(res.status, 200);
    assert.equal(res.json.rootUrl, '$ENDPOINT/');
    assert.equal(res.json.servicePath, 'fleet/v1/');
    assert.deepEqual(Object.keys(res.json.resources).sort(), ['Machines', 'UnitState', 'Units']);
    const post = await h.request('POST', '/fleet/v1/discovery');
    assert.equal(post.status, 400);
    assert.equal(post.json.error.message, 'only HTTP GET supported against this resource');
  });

  test('/metrics: Prometheus text with fleet\'s names, including what other components record', async () => {
    h.metrics.engine.reconciled(120);
    h.metrics.engine.task('Schedule', false);
    const res = await h.request('GET', '/metrics');
    assert.equal(res.status, 200);
    assert.match(res.headers['content-type'] ?? '', /^text\/plain/);
    for (const name of [
      'fleet_engine_leader_start_time',
      'fleet_engine_task_count_total{type="schedule"} 1',
      'fleet_engine_task_failure_count_total{type="schedule"} 1',
      'fleet_engine_reconcile_count_total 1',
      'fleet_engine_reconcile_duration_second_bucket',
      'fleet_engine_reconcile_failure_count_total',
      'fleet_registry_operation_count_total',
      'fleet_registry_operation_failed_count_total',
      'fleet_registry_operation_duration_second',
      'fleet_agent_task_count_total',
      'fleet_dbus_call_count_total',
      'fleet_api_request_count_total{method="PUT",resource="unit",code="201"} 1',
    ]) {
      assert.ok(res.text.includes(name), name);
    }
    assert.equal((await h.request('POST', '/metrics')).status, 405);
  });

  test('503 with fleet\'s message while etcd is unreachable, decided per request', async () => {
    h.registry.kv.setReachable(false);
    try {
      for (const [method, path] of [['GET', '/fleet/v1/units'], ['GET', '/fleet/v1/units/alpha.service'], ['GET', '/fleet/v1/machines'], ['GET', '/fleet/v1/state'], ['DELETE', '/fleet/v1/units/alpha.service']] as const) {
        const res = await h.request(method, path);
        assert.equal(res.status, 503, `${method} ${path}`);
        assert.deepEqual(res.json, { error: { code: 503, message: ETCD_UNAVAILABLE_MESSAGE } });
      }
      const put = await h.put('/fleet/v1/units/alpha.service', { desiredState: 'launched' });
      assert.equal(put.status, 503);
      const badPut = await h.put('/fleet/v1/units/bad{.service', { desiredState: 'launched' });
      assert.equal(badPut.status, 400, 'a request that is wrong anyway is answered without etcd');
      assert.equal((await h.request('GET', '/fleet/v1/discovery')).status, 200, 'the discovery document needs no etcd');
    } finally {
      h.registry.kv.setReachable(true);
    }
    assert.equal((await h.request('GET', '/fleet/v1/units/alpha.service')).status, 200, 'and recovers with etcd');
  });
});

test('503 once the registry is closed', async () => {
  const h = await startHarness();
  try {
    await h.registry.close();
    const res = await h.request('GET', '/fleet/v1/units');
    assert.equal(res.status, 503);
    assert.equal(res.json.error.message, ETCD_UNAVAILABLE_MESSAGE);
  } finally {
    await h.stop();
  }
});

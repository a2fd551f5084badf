import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiAvailability } from '../../../src/api/availability.js';
import { SERVICE, startHarness, type Harness } from './harness.js';

describe('availability: a refused fleetd answers 503 everywhere but /metrics and /health', () => {
  let h: Harness;
  const availability = new ApiAvailability();
  before(async () => {
    h = await startHarness({ availability });
  });
  after(() => h.stop());

  test('serving: /health says ok, requests are served', async () => {
    assert.deepEqual((await h.request('GET', '/health')).json, { status: 'ok', machineId: 'm1' });
    assert.equal((await h.put('/fleet/v1/units/a.service', { desiredState: 'inactive', options: SERVICE })).status, 201);
  });

  test('refused: every API request 503 with the reason, nothing written; /metrics and /health answer', async () => {
    const reason = 'machine id m1 is already registered by another fleetd (public IP 10.0.0.1)';
    availability.refuse(reason);
    for (const [method, path] of [['GET', '/fleet/v1/units'], ['GET', '/v1-alpha/machines'], ['DELETE', '/fleet/v1/units/a.service'], ['GET', '/'], ['GET', '/nope']]) {
      const r = await h.request(method!, path!);
      assert.equal(r.status, 503, `${method} ${path}`);
      assert.deepEqual(r.json, { error: { code: 503, message: reason } });
    }
    assert.equal((await h.put('/fleet/v1/units/b.service', { desiredState: 'inactive', options: SERVICE })).status, 503);
    assert.equal(await h.registry.api.getUnit('b.service'), undefined);
    assert.notEqual(await h.registry.api.getUnit('a.service'), undefined);
    assert.equal((await h.request('GET', '/metrics')).status, 200);
    const health = await h.request('GET', '/health');
    assert.equal(health.status, 503);
    assert.deepEqual(health.json, { status: 'unavailable', machineId: 'm1', reason });
    assert.equal((await h.request('POST', '/health')).status, 405);
    availability.accept();
    assert.equal((await h.request('GET', '/fleet/v1/units')).status, 200);
    assert.equal((await h.request('GET', '/health')).status, 200);
  });
});

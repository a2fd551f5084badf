import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SERVICE, startHarness, type Harness } from './harness.js';

describe('PUT of an instance without options: created from its stored template', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(() => h.stop());

  test('the template exists: 201, the instance has the template body and the given desired state', async () => {
    assert.equal((await h.put('/fleet/v1/units/web@.service', { desiredState: 'inactive', options: SERVICE })).status, 201);
    const res = await h.put('/fleet/v1/units/web@1.service', { desiredState: 'launched' });
    assert.equal(res.status, 201);
    assert.equal(res.text, '');
    const got = await h.request('GET', '/fleet/v1/units/web@1.service');
    assert.equal(got.status, 200);
    assert.equal(got.json.desiredState, 'launched');
    assert.deepEqual(got.json.options, SERVICE);
    const stored = await h.registry.api.getUnit('web@1.service');
    const template = await h.registry.api.getUnit('web@.service');
    assert.equal(stored?.unit.hash, template?.unit.hash, 'same canonical body');
  });

  test('no desired state: created inactive', async () => {
    assert.equal((await h.put('/fleet/v1/units/web@2.service', { name: 'web@2.service' })).status, 201);
    assert.equal((await h.registry.api.getUnit('web@2.service'))?.desired, 'inactive');
  });

  test('no template: 409 as before, nothing written', async () => {
    const res = await h.put('/fleet/v1/units/db@1.service', { desiredState: 'launched' });
    assert.equal(res.status, 409);
    assert.deepEqual(res.json, { error: { code: 409, message: 'unit does not exist and options field empty' } });
    assert.equal(await h.registry.api.getUnit('db@1.service'), undefined);
  });

  test('a template unusable for the instance: 400 naming the problem, nothing written', async () => {
    const bad = [...SERVICE, { section: 'X-Fleet', name: 'Global', value: 'true' }, { section: 'X-Fleet', name: 'MachineOf', value: 'x.service' }];
    // Stored templates are validated too, so write one the way an older or foreign client might have.
    const { buildUnit } = await import('../../../src/units/index.js');
    const good = buildUnit('odd@.service', SERVICE);
    await h.registry.api.createUnit({ name: 'odd@.service', options: bad, text: good.text, hash: good.hash });
    const res = await h.put('/fleet/v1/units/odd@1.service', { desiredState: 'launched' });
    assert.equal(res.status, 400);
    assert.match(res.json.error.message, /Global/);
    assert.equal(await h.registry.api.getUnit('odd@1.service'), undefined);
  });
});

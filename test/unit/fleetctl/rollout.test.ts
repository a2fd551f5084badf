import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { FakeCluster, fleetctl, unitDir } from './support/cluster.js';
import { buildUnit } from '../../../src/units/index.js';
import { unitRecord } from '../../../src/registry/index.js';

const V1 = '[Service]\nExecStart=/bin/sleep 1000\n';
const V2 = '[Service]\nExecStart=/bin/sleep 2000\n\n[X-Fleet]\nRolloutMaxParallel=3\n';

test('fleetctl rollout: starts one (--no-block), status in text and json, pause/resume/undo, refusals exit 1', async () => {
  const c = new FakeCluster();
  await c.registry.api.createUnit(unitRecord(buildUnit('web@.service', V1)), 'inactive');
  await c.registry.api.createUnit(unitRecord(buildUnit('web@1.service', V1)), 'launched');
  const dir = unitDir({ 'web@.service': V2, 'bad@.service': '[Service]\nExecStart=/bin/true\n\n[X-Fleet]\nRolloutAutoRevert=perhaps\n' });
  const started = await fleetctl(c, ['rollout', '--no-block', '--min-healthy-time', '2s', join(dir, 'web@.service')]);
  assert.equal(started.code, 0, started.err);
  assert.match(started.out, /^Rollout of web@\.service started: [0-9a-f]{7} -> [0-9a-f]{7}, 3 at a time, healthy after 2s, deadline 5m0s\n$/);
  const stored = await c.registry.api.getRollout('web@.service');
  assert.equal(stored?.record.settings.maxParallel, 3, 'from [X-Fleet]');
  assert.equal(stored?.record.settings.minHealthyTimeMs, 2000, 'from the flag');

  const status = await fleetctl(c, ['rollout', 'status']);
  assert.equal(status.code, 0);
  assert.match(status.out, /^\[\.{20}\] web@\.service: pending, 0\/0 updated\n  template [0-9a-f]{7} -> [0-9a-f]{7}; max parallel 3, healthy after 2s, deadline 5m0s, auto-revert off\n$/);
  const json = await fleetctl(c, ['rollout', 'status', 'web@.service', '-o', 'json']);
  assert.equal(JSON.parse(json.out).group, 'web@.service');
  assert.equal(JSON.parse(json.out).summary.finished, false);

  assert.match((await fleetctl(c, ['rollout', 'pause', 'web@.service'])).out, /pending \(paused\)/);
  assert.doesNotMatch((await fleetctl(c, ['rollout', 'resume', 'web@.service'])).out, /paused/);
  assert.match((await fleetctl(c, ['rollout', 'undo', 'web@.service'])).out, /undo requested/);

  const again = await fleetctl(c, ['rollout', '--no-block', join(dir, 'web@.service')]);
  assert.equal(again.code, 1);
  assert.match(again.err, /Error starting the rollout of web@\.service: a rollout of web@\.service is not finished/);
  const bad = await fleetctl(c, ['rollout', join(dir, 'bad@.service')]);
  assert.equal(bad.code, 1);
  assert.match(bad.err, /^Error in unit file .*\/bad@\.service: line 5: RolloutAutoRevert value "perhaps" is not a boolean/);
  assert.equal((await fleetctl(c, ['rollout', 'status', 'nope.service'])).code, 1);
  assert.equal((await fleetctl(c, ['rollout', 'pause'])).code, 1);
  assert.match((await fleetctl(c, ['rollout', 'undo', 'nope.service'])).err, /rollout does not exist/);
});

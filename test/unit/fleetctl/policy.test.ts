import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { FakeCluster, fleetctl, unitDir } from './support/cluster.js';

const DEFAULT = { strategy: 'spread', scorers: {}, enforce: false, bestEffort: { cpu: 0.1, memory: 209715200 }, preemption: true };

test('fleetctl policy: prints the default, set replaces it, a bad document names every problem and changes nothing', async () => {
  const c = new FakeCluster();
  const dir = unitDir({});
  assert.deepEqual(JSON.parse((await fleetctl(c, ['policy'])).out), DEFAULT);
  writeFileSync(join(dir, 'p.json'), '{"strategy":"binpack","scorers":{"balanced":1},"spreadBy":"az","enforce":false}');
  const set = await fleetctl(c, ['policy', 'set', join(dir, 'p.json')]);
  assert.equal(set.code, 0, set.err);
  const want = { strategy: 'binpack', scorers: { balanced: 1 }, spreadBy: 'az', enforce: false, bestEffort: DEFAULT.bestEffort, preemption: true };
  assert.deepEqual(JSON.parse(set.out), want);
  assert.deepEqual(JSON.parse((await fleetctl(c, ['policy'])).out), want);
  assert.deepEqual(JSON.parse((await c.registry.api.getPolicy())!), want, 'stored with every field');

  writeFileSync(join(dir, 'bad.json'), '{"strategy":"pack","enforce":"yes"}');
  assert.deepEqual(await fleetctl(c, ['policy', 'set', join(dir, 'bad.json')]), {
    code: 1,
    out: '',
    err: 'Error setting the placement policy: invalid policy: strategy "pack" is not one of spread, binpack, random; enforce "yes" must be true or false\n',
  });
  writeFileSync(join(dir, 'broken.json'), '{');
  const broken = await fleetctl(c, ['policy', 'set', join(dir, 'broken.json')]);
  assert.equal(broken.code, 1);
  assert.match(broken.err, /^Error reading policy .*broken\.json: /);
  assert.deepEqual(JSON.parse((await fleetctl(c, ['policy'])).out), want, 'unchanged');
  assert.equal((await fleetctl(c, ['policy', 'get'])).code, 1);
});

test('fleetctl policy: an unusable stored document is shown with its problem and the default in force', async () => {
  const c = new FakeCluster();
  await c.registry.api.setPolicy('{"strategy":"fastest"}');
  assert.deepEqual(JSON.parse((await fleetctl(c, ['policy'])).out), { ...DEFAULT, problem: 'invalid policy: strategy "fastest" is not one of spread, binpack, random' });
});

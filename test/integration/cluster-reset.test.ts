/**
 * The clean slate shared-cluster integration files fall back to after a
 * failed test (test/support/cluster-reset.ts): from a cluster left in a bad
 * state (units running, a fleetd SIGKILLed, etcd refusing writes) back to
 * one where every fleetd runs, nothing is scheduled or loaded, and new units
 * start.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { SandboxCluster } from '../../src/sandbox/cluster.js';
import { runningOn } from '../support/cluster-probes.js';
import { resetCluster } from '../support/cluster-reset.js';
import { sleeper } from '../support/units.js';
import { waitFor } from '../support/wait.js';

let c: SandboxCluster;

before(async () => {
  c = await SandboxCluster.start({ hosts: 2, label: 'rs' });
  await waitFor('2 machines registered', async () => (await c.registry.api.listMachines()).length === 2, 20_000);
});

after(async () => {
  await c?.stop();
});

test('resetCluster: from units running, a dead fleetd and a NOSPACE alarm to a clean, working cluster', async () => {
  for (const n of [1, 2, 3]) await c.registry.api.createUnit(sleeper(`left${n}.service`), 'launched');
  await waitFor('3 units running', async () => (await Promise.all([1, 2, 3].map((n) => runningOn(c, `left${n}.service`)))).flat().length === 3);
  await c.stopFleetd(c.hosts[0]!, 'SIGKILL');
  await c.etcd.setNoSpaceAlarm(true);

  await resetCluster(c);

  assert.ok(c.hosts.every((h) => h.fleetd !== undefined && h.fleetd.exitCode === null && h.fleetd.signalCode === null), 'every fleetd runs');
  assert.equal((await c.registry.api.listMachines()).length, 2);
  assert.deepEqual(await c.registry.api.listUnits(), []);
  assert.deepEqual(await c.registry.api.listSchedule(), []);
  for (const n of [1, 2, 3]) assert.deepEqual(await runningOn(c, `left${n}.service`), [], `left${n} stopped in systemd`);
  await c.registry.api.createUnit(sleeper('fresh.service'), 'launched');
  await waitFor('a new unit runs', async () => (await runningOn(c, 'fresh.service')).length === 1);
});

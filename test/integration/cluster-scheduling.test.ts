import { after, before } from 'node:test';
import { resetAfterFailure } from '../support/cluster-reset.js';
import assert from 'node:assert/strict';
import { SandboxCluster } from '../../src/sandbox/cluster.js';
import { runningOn, activeState, loadState } from '../support/cluster-probes.js';
import { sleeper } from '../support/units.js';
import { waitFor } from '../support/wait.js';

// One real etcd, three sandbox hosts with real systemd and fleetd; a fourth
// joins in the global-unit test. Tests run in order and clean up their units.
let c: SandboxCluster;
// A failing test resets the shared cluster, so the next one starts clean.
const test = resetAfterFailure(() => c);

before(async () => {
  c = await SandboxCluster.start({
    hosts: 3,
    metadata: (i) => ['region=us', 'region=eu', 'region=us,disk=ssd'][i],
  });
  await waitFor('3 machines registered', async () => (await c.registry.api.listMachines()).length === 3, 20_000);
});

after(async () => {
  await c?.stop();
});

async function destroyAll(): Promise<void> {
  for (const u of await c.registry.api.listUnits()) await c.registry.api.destroyUnit(u.unit.name);
  await waitFor('all units gone from the schedule', async () => (await c.registry.api.listSchedule()).length === 0);
}

test('a started unit runs on exactly one host and its state reaches etcd', async () => {
  await c.registry.api.createUnit(sleeper('hello.service'), 'launched');
  const hosts = await waitFor('hello active somewhere', async () => {
    const on = await runningOn(c, 'hello.service');
    return on.length > 0 ? on : undefined;
  });
  const seenActive = Date.now();
  assert.equal(hosts.length, 1, `runs on exactly one host, got ${hosts}`);
  const state = await waitFor('state in etcd', async () => (await c.registry.api.listStates({ names: ['hello.service'] })).find((s) => s.subState === 'running'), 5000, 10);
  // Generous bound (a loaded CI machine); the real latency is measured in bench/.
  assert.ok(Date.now() - seenActive < 2000, `state reached etcd ${Date.now() - seenActive} ms after systemd reported active`);
  assert.equal(state.machineId, c.hosts[hosts[0]!]!.machineId);
  assert.equal(state.loadState, 'loaded');
  assert.equal(state.activeState, 'active');
  assert.equal(state.hash, sleeper('hello.service').hash);
});

test('stop, unload and destroy take effect in systemd', async () => {
  const [i] = await runningOn(c, 'hello.service');
  const h = c.hosts[i!]!;
  await c.registry.api.setDesiredState('hello.service', 'loaded');
  await waitFor('stopped', async () => (await activeState(c, h, 'hello.service')) === 'inactive');
  assert.equal(await loadState(c, h, 'hello.service'), 'loaded', 'still loaded after stop');
  await c.registry.api.setDesiredState('hello.service', 'inactive');
  await waitFor('unloaded', async () => (await loadState(c, h, 'hello.service')) === 'not-found');
  await c.registry.api.setDesiredState('hello.service', 'launched');
  await waitFor('running again', async () => (await runningOn(c, 'hello.service')).length === 1);
  await c.registry.api.destroyUnit('hello.service');
  await waitFor('destroyed: gone from systemd', async () => {
    for (const host of c.hosts) if ((await loadState(c, host, 'hello.service')) !== 'not-found') return false;
    return true;
  });
  await waitFor('destroyed: state gone from etcd', async () => (await c.registry.api.listStates({ names: ['hello.service'] })).length === 0);
});

test('three units spread 1/1/1 over three hosts', async () => {
  for (const n of [1, 2, 3]) await c.registry.api.createUnit(sleeper(`spread${n}.service`), 'launched');
  const placement = await waitFor('3 units running', async () => {
    const on = (await Promise.all([1, 2, 3].map((n) => runningOn(c, `spread${n}.service`)))).flat();
    return on.length === 3 ? on : undefined;
  });
  assert.deepEqual([...placement].sort(), [0, 1, 2]);
  await destroyAll();
});

test('MachineMetadata, MachineID, MachineOf, Conflicts and Replaces place units where they must', async () => {
  const api = c.registry.api;
  await api.createUnit(sleeper('eu.service', 'MachineMetadata=region=eu'), 'launched');
  await api.createUnit(sleeper('ssd.service', 'MachineMetadata="region=us" "disk=ssd"'), 'launched');
  await api.createUnit(sleeper('pinned.service', `MachineID=${c.hosts[0]!.machineId}`), 'launched');
  await api.createUnit(sleeper('follower.service', 'MachineOf=eu.service'), 'launched');
  await api.createUnit(sleeper('web@1.service', 'Conflicts=web@*.service\nMachineMetadata=region=us'), 'launched');
  await api.createUnit(sleeper('web@2.service', 'Conflicts=web@*.service\nMachineMetadata=region=us'), 'launched');
  const on = async (u: string) => waitFor(`${u} running`, async () => {
    const r = await runningOn(c, u);
    return r.length === 1 ? r[0] : undefined;
  });
  assert.equal(await on('eu.service'), 1);
  assert.equal(await on('ssd.service'), 2);
  assert.equal(await on('pinned.service'), 0);
  assert.equal(await on('follower.service'), 1, 'follows eu.service');
  assert.deepEqual([await on('web@1.service'), await on('web@2.service')].sort(), [0, 2], 'conflicting units on different us hosts');

  // Replaces: the declaring unit takes the replaced unit's machine, the replaced unit moves.
  await api.createUnit(sleeper('old.service', `MachineMetadata=region=us`), 'launched');
  const oldHost = await on('old.service');
  await api.createUnit(sleeper('new.service', 'Replaces=old.service'), 'launched');
  await waitFor('new.service runs where old.service was, old.service moved', async () => {
    const n = await runningOn(c, 'new.service');
    const o = await runningOn(c, 'old.service');
    return n.length === 1 && o.length === 1 && n[0] === oldHost && o[0] !== oldHost;
  });
  await destroyAll();
});

test('a global unit runs on every host, including one that joins later', async () => {
  await c.registry.api.createUnit(sleeper('monitor.service', 'Global=true'), 'launched');
  await waitFor('global on 3 hosts', async () => (await runningOn(c, 'monitor.service')).length === 3);
  const h = await c.addHost();
  await waitFor('4th host registered', async () => (await c.registry.api.listMachines()).length === 4, 20_000);
  await waitFor('global on the new host', async () => (await activeState(c, h, 'monitor.service')) === 'active');
  assert.deepEqual(await runningOn(c, 'monitor.service'), [0, 1, 2, 3]);
  await destroyAll();
  await waitFor('global unit gone everywhere', async () => (await runningOn(c, 'monitor.service')).length === 0);
});

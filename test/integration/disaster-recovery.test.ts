import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SandboxCluster } from '../../src/sandbox/cluster.js';
import { mainPid, runningOn } from '../support/cluster-probes.js';
import { runFleetctl } from '../support/run-fleetctl.js';
import { sleeper } from '../support/units.js';
import { waitFor } from '../support/wait.js';

// Disaster recovery on real etcd and systemd: units run on 3 hosts, the
// cluster is exported, etcd is stopped, its data dir wiped and it starts
// empty; the agents hold their units, `fleetctl import` restores the intent,
// and the engine puts every unit back where it runs: 0 restarts. Then the
// other ending: a wipe nobody restores stops the units when the hold ends.
let c: SandboxCluster;
let dir: string;
// u1..u4 start while host 0 is alone; u5, u6 after hosts 1 and 2 joined. A
// fresh least-loaded placement would spread them 2/2/2 instead.
const EARLY = ['u1.service', 'u2.service', 'u3.service', 'u4.service'];
const LATE = ['u5.service', 'u6.service'];
const UNITS = [...EARLY, ...LATE];

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fleet-dr-'));
  c = await SandboxCluster.start({ hosts: 1, env: { FLEET_REGISTRY_RESET_HOLD: '10m' } });
  await waitFor('host 0 registered', async () => (await c.registry.api.listMachines()).length === 1, 20_000);
  for (const u of EARLY) await c.registry.api.createUnit(sleeper(u), 'launched');
  await waitFor('4 units running on host 0', async () => (await c.registry.api.listStates()).filter((s) => s.subState === 'running').length === EARLY.length, 20_000);
  await c.addHost();
  await c.addHost();
  await waitFor('3 machines registered', async () => (await c.registry.api.listMachines()).length === 3, 20_000);
  for (const u of LATE) await c.registry.api.createUnit(sleeper(u), 'launched');
  await waitFor('6 units running', async () => (await c.registry.api.listStates()).filter((s) => s.subState === 'running').length === UNITS.length, 20_000);
});

after(async () => {
  await c?.stop();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

/** Host index and MainPID of every unit, read from systemd (each must run exactly once). */
async function placement(units: readonly string[] = UNITS): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const u of units) {
    const on = await runningOn(c, u);
    assert.equal(on.length, 1, `${u} runs on exactly one host (on ${on.join(',') || 'none'})`);
    out.set(u, `host ${on[0]} pid ${await mainPid(c, c.hosts[on[0]!]!, u)}`);
  }
  return out;
}

async function fleetctl(...args: string[]) {
  return runFleetctl(['--endpoint', `unix://${c.hosts[0]!.apiSocket}`, ...args], { timeoutMs: 60_000 });
}

/** Waits until every fleetd is back on the empty etcd and holds `count` units in all. */
async function heldEverywhere(count: number): Promise<void> {
  await waitFor(`3 machines back, holding ${count} units`, async () => {
    const machines = await c.registry.api.listMachines();
    return machines.length === 3 && machines.reduce((n, m) => n + (m.held?.length ?? 0), 0) === count;
  }, 60_000, 200);
}

test('etcd wiped and restored from an export: every unit active once, on the same host, with the same MainPID', async () => {
  const before = await placement();
  assert.equal([...before.values()].filter((p) => p.startsWith('host 0 ')).length, 4, 'u1..u4 run on host 0');

  const exported = await fleetctl('export', join(dir, 'backup'));
  assert.equal(exported.code, 0, exported.err);
  assert.equal(exported.out, `Exported 6 units to ${join(dir, 'backup')}\n`);

  await c.etcd.wipe({ downForMs: 1000 });
  assert.equal((await c.registry.api.listUnits()).length, 0, 'etcd is empty');
  await heldEverywhere(6);
  assert.deepEqual(await placement(), before, 'nothing stopped while the registry is empty');

  const imported = await fleetctl('import', join(dir, 'backup'));
  assert.equal(imported.code, 0, imported.err);
  assert.match(imported.out, /Imported 6 of 6 units\n$/);
  await waitFor('every unit scheduled and every hold released', async () => {
    const [schedule, machines] = await Promise.all([c.registry.api.listSchedule(), c.registry.api.listMachines()]);
    return schedule.length === UNITS.length && machines.every((m) => m.held === undefined);
  }, 30_000, 200);
  const list = await waitFor('list-units shows every unit active', async () => {
    const r = await fleetctl('list-units', '--no-legend', '--fields', 'unit,active');
    return UNITS.every((u) => new RegExp(`^${u.replace('.', '\\.')}\\s+active$`, 'm').test(r.out)) ? r : undefined;
  }, 30_000, 500);
  assert.equal(list.code, 0, list.err);
  assert.deepEqual(await placement(), before, 'same host, same MainPID: 0 restarts');
  // And the cluster works: a stop goes through the restored registry.
  const stop = await fleetctl('stop', 'u6.service');
  assert.equal(stop.code, 0, stop.err);
  assert.deepEqual(await runningOn(c, 'u6.service'), []);
  assert.equal((await fleetctl('start', 'u6.service')).code, 0);
});

test('etcd wiped and nothing restored: a host whose hold ends stops its units; the others keep holding', async () => {
  // Host 2 restarts with a short hold (its units are adopted: same MainPID).
  const h2 = c.hosts[2]!;
  const before = await placement();
  const onHost2 = UNITS.filter((u) => before.get(u)!.startsWith('host 2 '));
  assert.ok(onHost2.length > 0, 'host 2 runs something');
  await c.stopFleetd(h2, 'SIGKILL');
  c.startFleetd(h2, { FLEET_REGISTRY_RESET_HOLD: '4s' });
  await waitFor('host 2 back', async () => (await c.registry.api.listMachines()).length === 3 && (await c.registry.api.listStates({ machineIds: [h2.machineId] })).length === onHost2.length, 30_000, 200);
  assert.deepEqual(await placement(), before, 'the restarted fleetd adopted its units');

  await c.etcd.wipe();
  await waitFor('hosts 0 and 1 hold their units', async () => {
    const machines = await c.registry.api.listMachines();
    return machines.filter((m) => m.id !== h2.machineId).reduce((n, m) => n + (m.held?.length ?? 0), 0) === UNITS.length - onHost2.length;
  }, 60_000, 200);
  await waitFor(`host 2's units stopped when its 4 s hold ended`, async () => {
    for (const u of onHost2) if ((await runningOn(c, u)).length > 0) return false;
    return true;
  }, 60_000, 500);
  const others = UNITS.filter((u) => !onHost2.includes(u));
  assert.deepEqual(await placement(others), new Map([...before].filter(([u]) => others.includes(u))), 'held units keep running, same MainPID');
});

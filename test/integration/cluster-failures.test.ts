import { after, before } from 'node:test';
import { resetAfterFailure } from '../support/cluster-reset.js';
import assert from 'node:assert/strict';
import { SandboxCluster } from '../../src/sandbox/cluster.js';
import { runningOn, mainPid } from '../support/cluster-probes.js';
import { sleeper, unitRecord } from '../support/units.js';
import { waitFor } from '../support/wait.js';

// Failure handling on real etcd + systemd: agent_ttl 5 s.
const AGENT_TTL_MS = 5000;
let c: SandboxCluster;
// A failing test resets the shared cluster, so the next one starts clean.
const test = resetAfterFailure(() => c);

before(async () => {
  c = await SandboxCluster.start({ hosts: 3, agentTtl: `${AGENT_TTL_MS / 1000}s` });
  await waitFor('3 machines registered', async () => (await c.registry.api.listMachines()).length === 3, 20_000);
});

after(async () => {
  await c?.stop();
});

/** Index of the host running `name`, submitting it first when no earlier test left it (tests stay runnable alone and after a reset). */
async function ensureRunning(name: string): Promise<number> {
  if (!(await c.registry.api.listUnits()).some((u) => u.unit.name === name)) await c.registry.api.createUnit(sleeper(name), 'launched');
  const [i] = await waitFor(`${name} running`, async () => {
    const on = await runningOn(c, name);
    return on.length === 1 ? on : undefined;
  });
  return i!;
}

test('a failing unit and a unit systemd rejects are reported, and the rest keeps running', async () => {
  const api = c.registry.api;
  await api.createUnit(unitRecord('fails.service', '[Service]\nExecStart=/bin/false\n\n[X-Fleet]\nMachineID=' + c.hosts[0]!.machineId + '\n'), 'launched');
  await api.createUnit(unitRecord('rejected.service', '[Service]\nType=simple\n\n[X-Fleet]\nMachineID=' + c.hosts[0]!.machineId + '\n'), 'launched');
  await api.createUnit(sleeper('fine.service', `MachineID=${c.hosts[0]!.machineId}`), 'launched');
  const failed = await waitFor('fails.service reported failed', async () => (await api.listStates({ names: ['fails.service'] })).find((s) => s.activeState === 'failed'));
  assert.equal(failed.subState, 'failed');
  const rejected = await waitFor('rejected.service reported bad-setting', async () => (await api.listStates({ names: ['rejected.service'] })).find((s) => s.loadState === 'bad-setting'));
  assert.equal(rejected.activeState, 'inactive');
  await waitFor('fine.service running', async () => (await api.listStates({ names: ['fine.service'] })).find((s) => s.subState === 'running'));
  for (const n of ['fails.service', 'rejected.service', 'fine.service']) await api.destroyUnit(n);
  await waitFor('cleaned up', async () => (await api.listStates()).length === 0);
});

test('fleetd SIGKILL + restart adopts running units: same MainPID', async () => {
  await c.registry.api.createUnit(sleeper('steady.service'), 'launched');
  const [i] = await waitFor('steady running', async () => {
    const on = await runningOn(c, 'steady.service');
    return on.length === 1 ? on : undefined;
  });
  const h = c.hosts[i!]!;
  const pid = await mainPid(c, h, 'steady.service');
  assert.ok(pid > 0);
  await c.stopFleetd(h, 'SIGKILL');
  c.startFleetd(h);
  // Give the new fleetd time to register, list its schedule and reconcile.
  await waitFor('restarted fleetd re-published the state', async () => {
    const s = await c.registry.api.listStates({ names: ['steady.service'] });
    return s.length === 1 && s[0]!.subState === 'running' ? s : undefined;
  });
  // A unit pinned here after the restart runs only once the new fleetd reconciled its whole schedule.
  await c.registry.api.createUnit(sleeper('after-restart.service', `MachineID=${h.machineId}`), 'launched');
  await waitFor('the restarted fleetd reconciled', async () => (await runningOn(c, 'after-restart.service')).length === 1);
  assert.equal(await mainPid(c, h, 'steady.service'), pid, 'unit not restarted');
  await c.registry.api.destroyUnit('after-restart.service');
  assert.deepEqual(await runningOn(c, 'steady.service'), [i]);
});

test('etcd down for 30 s: units keep running, states are current again soon after', async () => {
  const api = c.registry.api;
  const h = c.hosts[await ensureRunning('steady.service')]!;
  const pid = await mainPid(c, h, 'steady.service');
  await c.etcd.kill();
  await new Promise((r) => setTimeout(r, 15_000));
  // A change made while etcd is away must show up once it is back.
  await c.systemctl(h, 'stop', 'steady.service');
  await new Promise((r) => setTimeout(r, 15_000));
  for (const host of c.hosts) assert.ok(host.fleetd?.exitCode === null, `fleetd ${host.index} still running`);
  await c.etcd.restart();
  const t0 = Date.now();
  await waitFor('state shows the stop made during the outage', async () => (await api.listStates({ names: ['steady.service'] })).find((s) => s.activeState === 'inactive'), 15_000);
  const lag = Date.now() - t0;
  assert.ok(lag < 10_000, `states current ${lag} ms after etcd came back`);
  await c.systemctl(h, 'start', 'steady.service');
  const pid2 = await mainPid(c, h, 'steady.service');
  assert.notEqual(pid2, pid);
  await c.registry.api.createUnit(sleeper('during.service'), 'launched');
  await waitFor('cluster schedules again after the outage', async () => (await runningOn(c, 'during.service')).length === 1, 15_000);
  await new Promise((r) => setTimeout(r, 1000));
  assert.equal(await mainPid(c, h, 'steady.service'), pid2, 'the outage did not restart units');
});

test('etcd down for 30 s without local changes: every unit keeps its MainPID', async () => {
  const before = new Map<string, number>();
  for (const u of ['steady.service', 'during.service']) before.set(u, await mainPid(c, c.hosts[await ensureRunning(u)]!, u));
  await c.etcd.kill();
  await new Promise((r) => setTimeout(r, 30_000));
  await c.etcd.restart();
  await new Promise((r) => setTimeout(r, 3000));
  for (const [u, pid] of before) {
    const on = await runningOn(c, u);
    assert.equal(on.length, 1, `${u} runs on one host`);
    assert.equal(await mainPid(c, c.hosts[on[0]!]!, u), pid, `${u} kept its MainPID`);
  }
});

test('SIGKILL of a host: its units run elsewhere within agent_ttl + 5 s', async () => {
  const api = c.registry.api;
  for (const n of [1, 2, 3, 4, 5, 6]) await api.createUnit(sleeper(`move${n}.service`), 'launched');
  await waitFor('6 units running', async () => (await Promise.all([1, 2, 3, 4, 5, 6].map((n) => runningOn(c, `move${n}.service`)))).flat().length === 6);
  const victim = c.hosts[(await runningOn(c, 'move1.service'))[0]!]!;
  const t0 = Date.now();
  await c.killHost(victim);
  await waitFor('every unit running on a surviving host', async () => {
    for (const n of [1, 2, 3, 4, 5, 6]) {
      const on = await runningOn(c, `move${n}.service`);
      if (on.length !== 1 || on[0] === victim.index) return false;
    }
    return true;
  }, AGENT_TTL_MS + 15_000, 100);
  const took = Date.now() - t0;
  assert.ok(took <= AGENT_TTL_MS + 5000, `moved in ${took} ms (agent_ttl ${AGENT_TTL_MS} ms)`);
});

test('SIGHUP reloads fleetd in place: it keeps running and units keep their MainPID', async () => {
  const h = c.hosts[await ensureRunning('steady.service')]!;
  const pid = await mainPid(c, h, 'steady.service');
  h.fleetd!.kill('SIGHUP');
  await waitFor('reload logged', () => /Reloading configuration/.test(c.logs(h)));
  // New work pinned here runs only once the reloaded fleetd reconciled its schedule.
  await c.registry.api.createUnit(sleeper('after-hup.service', `MachineID=${h.machineId}`), 'launched');
  await waitFor('the reloaded fleetd still runs new work', async () => (await runningOn(c, 'after-hup.service')).length === 1);
  assert.equal(h.fleetd!.exitCode, null, 'fleetd still running');
  assert.equal(await mainPid(c, h, 'steady.service'), pid, 'unit not restarted');
  await c.registry.api.destroyUnit('after-hup.service');
});

test('SIGTERM: fleetd leaves the cluster, its units stop there and run elsewhere at once', async () => {
  const api = c.registry.api;
  const alive = c.hosts.filter((h) => h.fleetd !== undefined && h.fleetd.exitCode === null && h.fleetd.signalCode === null);
  assert.ok(alive.length >= 2);
  const leaving = alive[0]!;
  await api.createUnit(sleeper('leaver.service'), 'launched');
  await waitFor('leaver running', async () => (await runningOn(c, 'leaver.service')).length === 1);
  const mine: string[] = [];
  for (const u of await api.listStates()) if (u.machineId === leaving.machineId && u.subState === 'running') mine.push(u.name);
  assert.ok(mine.length > 0, 'the leaving host runs something');
  const t0 = Date.now();
  await c.stopFleetd(leaving, 'SIGTERM');
  assert.equal(leaving.fleetd!.exitCode, 0, 'clean exit');
  for (const u of mine) assert.equal((await c.systemctl(leaving, 'show', '-p', 'LoadState', '--value', u)).trim(), 'not-found', `${u} unloaded from the leaving host`);
  assert.ok(!(await api.listMachines()).some((m) => m.id === leaving.machineId), 'machine gone at once');
  await waitFor('its units run on another host', async () => {
    for (const u of mine) {
      const s = await api.listStates({ names: [u] });
      if (!s.some((x) => x.machineId !== leaving.machineId && x.subState === 'running')) return false;
    }
    return true;
  }, AGENT_TTL_MS);
  assert.ok(Date.now() - t0 < AGENT_TTL_MS, 'rescheduled without waiting for the lease to expire');
});

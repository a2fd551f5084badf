/**
 * A second host started with a machine id a live host already holds, on a
 * sandbox cluster (real etcd, systemd, fleetd): its API answers 503 naming
 * the id and the other host's IP (but /metrics and /health), fleetctl through
 * it fails with that message, it runs nothing, the original host and its
 * units are untouched, and it joins by itself once the original leaves.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { SandboxCluster, type ClusterHost } from '../../src/sandbox/cluster.js';
import { loadState, mainPid } from '../support/cluster-probes.js';
import { runFleetctl } from '../support/run-fleetctl.js';
import { sleeper } from '../support/units.js';
import { waitFor } from '../support/wait.js';
import { rawRequest } from '../unit/api/harness.js';

let c: SandboxCluster;
let original: ClusterHost;
let duplicate: ClusterHost;
let pid: number;

before(async () => {
  c = await SandboxCluster.start({ hosts: 2, label: 'dm' });
  await waitFor('machines registered', async () => (await c.registry.api.listMachines()).length === 2, 20_000);
  original = c.hosts[0]!;
  const unit = sleeper('pinned.service', `MachineID=${original.machineId}`);
  await c.registry.api.createUnit(unit, 'launched');
  pid = await waitFor('pinned.service running on the original', async () => (await mainPid(c, original, 'pinned.service')) || undefined, 20_000);
  duplicate = await c.addHost({ FLEET_MACHINE_ID: original.machineId });
  await waitFor('the duplicate refused', async () => (await rawRequest(duplicate.apiSocket, 'GET', '/fleet/v1/machines')).status === 503, 30_000);
});

after(async () => {
  await c?.stop();
});

const message = (): RegExp => new RegExp(`machine id ${original.machineId} is already registered by another fleetd \\(public IP ${original.publicIp.replace(/\./g, '\\.')}\\)`);

test('every API request through the duplicate answers 503 naming the id and the other host\'s IP', async () => {
  for (const [method, path] of [['GET', '/fleet/v1/machines'], ['GET', '/fleet/v1/units'], ['GET', '/fleet/v1/state'], ['GET', '/v1-alpha/units/pinned.service'], ['DELETE', '/fleet/v1/units/pinned.service'], ['GET', '/nope']]) {
    const r = await rawRequest(duplicate.apiSocket, method!, path!);
    assert.equal(r.status, 503, `${method} ${path}`);
    const body = r.json as { error: { code: number; message: string } };
    assert.equal(body.error.code, 503);
    assert.match(body.error.message, message(), `${method} ${path}`);
  }
  const put = await rawRequest(duplicate.apiSocket, 'PUT', '/fleet/v1/units/x.service', {
    body: JSON.stringify({ desiredState: 'launched', options: [{ section: 'Service', name: 'ExecStart', value: '/bin/sleep 1000' }] }),
    headers: { 'Content-Type': 'application/json' },
  });
  assert.equal(put.status, 503);
  assert.equal(await c.registry.api.getUnit('x.service'), undefined, 'nothing written through the duplicate');
  assert.notEqual(await c.registry.api.getUnit('pinned.service'), undefined, 'the DELETE did not reach the registry');
});

test('/metrics and /health still answer; /health reports the refusal, healthy hosts report ok', async () => {
  assert.equal((await rawRequest(duplicate.apiSocket, 'GET', '/metrics')).status, 200);
  const h = await rawRequest(duplicate.apiSocket, 'GET', '/health');
  assert.equal(h.status, 503);
  const body = h.json as { status: string; machineId: string; reason: string };
  assert.equal(body.status, 'unavailable');
  assert.equal(body.machineId, original.machineId);
  assert.match(body.reason, message());
  assert.deepEqual((await rawRequest(original.apiSocket, 'GET', '/health')).json, { status: 'ok', machineId: original.machineId });
});

test('fleetctl through the duplicate exits non-zero with that message', async () => {
  for (const args of [['list-machines'], ['list-units'], ['status', 'pinned.service']]) {
    const r = await runFleetctl(['--endpoint', `unix://${duplicate.apiSocket}`, ...args], { timeoutMs: 60_000 });
    assert.notEqual(r.code, 0, args.join(' '));
    assert.equal(r.out, '', args.join(' '));
    assert.match(r.err, message(), args.join(' '));
  }
});

test('the duplicate runs no units; the original host and its pinned unit are untouched', async () => {
  assert.equal(await loadState(c, duplicate, 'pinned.service'), 'not-found');
  assert.equal(await mainPid(c, original, 'pinned.service'), pid, 'same MainPID');
  const machines = await c.registry.api.listMachines();
  assert.deepEqual(machines.filter((m) => m.id === original.machineId).map((m) => m.publicIP), [original.publicIp]);
  assert.match(c.logs(duplicate), message());
});

test('once the original leaves, the duplicate joins by itself and takes over', async () => {
  await c.stopFleetd(original, 'SIGTERM');
  await waitFor('the duplicate serves', async () => (await rawRequest(duplicate.apiSocket, 'GET', '/health')).status === 200, 30_000);
  const machines = await c.registry.api.listMachines();
  assert.deepEqual(machines.filter((m) => m.id === original.machineId).map((m) => m.publicIP), [duplicate.publicIp]);
  const r = await runFleetctl(['--endpoint', `unix://${duplicate.apiSocket}`, 'list-machines', '--no-legend'], { timeoutMs: 60_000 });
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, new RegExp(`^${original.machineId.slice(0, 8)}\\.\\.\\.\\t${duplicate.publicIp.replace(/\./g, '\\.')}\\t`, 'm'));
  await waitFor('pinned.service running on the host that now holds the id', async () => (await mainPid(c, duplicate, 'pinned.service')) > 0, 30_000);
});

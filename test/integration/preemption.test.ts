import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SandboxCluster } from '../../src/sandbox/cluster.js';
import { runningOn } from '../support/cluster-probes.js';
import { waitFor } from '../support/wait.js';
import { runFleetctl, type FleetctlRun } from '../support/run-fleetctl.js';
import { rawRequest } from '../unit/api/harness.js';

// Priorities and preemption end to end: the real fleetctl against two
// sandbox hosts (real etcd, systemd, fleetd) offering 2 cores (az=a) and
// 1 core (az=b). Two low-priority units fill the 2-core host; a
// high-priority unit that fits only there stops them (systemd runs their
// ExecStop=, which takes a second) and starts after they stopped; one
// victim runs on the other host, the other waits, explained.
let c: SandboxCluster;
let dir: string;
let endpoint: string;

function fleetctl(...args: string[]): Promise<FleetctlRun> {
  return runFleetctl(['--endpoint', endpoint, ...args], { cwd: dir, timeoutMs: 90_000 });
}

/** The host index `unit` runs on (systemd's view), once it runs on exactly one. */
async function hostOf(unit: string): Promise<number> {
  return waitFor(`${unit} running on one host`, async () => {
    const on = await runningOn(c, unit);
    return on.length === 1 ? on[0] : undefined;
  }, 30_000);
}

before(async () => {
  c = await SandboxCluster.start({ hosts: 2, metadata: (i) => `az=${'ab'[i]}`, resources: (i) => `cpu=${2 - i},memory=1G` });
  await waitFor('2 machines registered', async () => (await c.registry.api.listMachines()).length === 2, 30_000);
  endpoint = `unix://${c.hosts[0]!.apiSocket}`;
  dir = mkdtempSync(join(tmpdir(), 'fleet-preempt-e2e-'));
  chmodSync(dir, 0o755);
});

after(async () => {
  await c?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('a high-priority unit stops low-priority ones to get the only host it fits; they move or wait, explained', async () => {
  const marks = join(dir, 'marks');
  writeFileSync(marks, '');
  // The stop takes a second (ExecStop=), so starting the newcomer early would show in the marks.
  const low = (name: string, xfleet: string) =>
    writeFileSync(join(dir, name), `[Service]\nExecStart=/bin/sleep 100000\nExecStop=/bin/sh -c 'sleep 1; echo stopped ${name} >> ${marks}'\n[X-Fleet]\n${xfleet}`);
  low('filler.service', 'Resources=cpu=1\nMachineMetadata=az=b\n');
  assert.equal((await fleetctl('start', 'filler.service')).code, 0);
  assert.equal(await hostOf('filler.service'), 1);
  low('low1.service', 'Resources=cpu=1\n');
  low('low2.service', 'Resources=cpu=1\n');
  const started = await fleetctl('start', 'low1.service', 'low2.service');
  assert.equal(started.code, 0, started.err);
  assert.deepEqual([await hostOf('low1.service'), await hostOf('low2.service')], [0, 0], 'the 1-core host is full: both on the 2-core host');
  assert.equal((await fleetctl('destroy', 'filler.service')).code, 0);
  await waitFor('filler gone', async () => (await runningOn(c, 'filler.service')).length === 0, 30_000);
  writeFileSync(marks, '');

  writeFileSync(join(dir, 'vip.service'), `[Service]\nExecStartPre=/bin/sh -c 'echo started vip.service >> ${marks}'\nExecStart=/bin/sleep 100000\n[X-Fleet]\nResources=cpu=2\nPriority=100\n`);
  const vip = await fleetctl('start', 'vip.service');
  assert.equal(vip.code, 0, vip.err);
  assert.equal(await hostOf('vip.service'), 0, 'the only host with 2 cores');
  assert.equal(await hostOf('low1.service'), 1, 'low1 fits on the other host and runs there');
  assert.deepEqual(await runningOn(c, 'low2.service'), [], 'low2 fits nowhere: it waits');
  const lines = readFileSync(marks, 'utf8').trim().split('\n');
  assert.deepEqual(lines.slice(0, 2).sort(), ['stopped low1.service', 'stopped low2.service'], `victims stopped first: ${lines.join(' | ')}`);
  assert.equal(lines[2], 'started vip.service', `then the newcomer: ${lines.join(' | ')}`);

  const explained = await waitFor('low2 explained', async () => {
    const e = await fleetctl('explain', 'low2.service');
    return e.out.includes('preempted') ? e : undefined;
  }, 30_000);
  assert.notEqual(explained.code, 0);
  assert.match(explained.out, /preempted by vip\.service \(priority 100\); 0 of 2 machines eligible: 2 by Resources/);
  const api = await rawRequest(c.hosts[1]!.apiSocket, 'GET', '/fleet/v1/units/low2.service/explain');
  const body = api.json as { status: string; message: string; explanation: { preemptedBy: unknown } };
  assert.equal(body.status, 'unschedulable');
  assert.match(body.message, /^preempted by vip\.service \(priority 100\)/);
  assert.deepEqual(body.explanation.preemptedBy, { unit: 'vip.service', priority: 100 });
  const files = await fleetctl('list-unit-files', '--no-legend', '--fields', 'unit,priority');
  assert.equal(files.out, 'low1.service\t0\nlow2.service\t0\nvip.service\t100\n');

  // Turned off by policy, nothing is preempted: a second important unit waits.
  writeFileSync(join(dir, 'policy.json'), '{"preemption":false}');
  assert.equal((await fleetctl('policy', 'set', 'policy.json')).code, 0);
  writeFileSync(join(dir, 'vip2.service'), '[Service]\nExecStart=/bin/sleep 100000\n[X-Fleet]\nResources=cpu=1\nPriority=500\n');
  assert.equal((await fleetctl('start', '--no-block', 'vip2.service')).code, 0);
  await waitFor('vip2 explained', async () => (await fleetctl('explain', 'vip2.service')).out.includes('eligible'), 30_000);
  assert.deepEqual(await runningOn(c, 'vip2.service'), []);
  assert.equal(await hostOf('low1.service'), 1, 'low1 keeps running');
});

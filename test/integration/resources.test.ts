import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SandboxCluster } from '../../src/sandbox/cluster.js';
import { runningOn } from '../support/cluster-probes.js';
import { waitFor } from '../support/wait.js';
import { runFleetctl, type FleetctlRun } from '../support/run-fleetctl.js';

// Resource-aware placement and enforcement end to end: the real fleetctl
// against three sandbox hosts (real etcd, systemd, fleetd) that offer
// different `resources=` (3, 5 and 2 cores / GiB) in zones az=a/b/c. Tests
// run in order; each removes its units and resets the policy.
let c: SandboxCluster;
let dir: string;
let endpoint: string;
const SIZES = [3, 5, 2];

function fleetctl(...args: string[]): Promise<FleetctlRun> {
  return runFleetctl(['--endpoint', endpoint, ...args], { cwd: dir, timeoutMs: 90_000 });
}

function unitFile(name: string, body: string): void {
  writeFileSync(join(dir, name), `[Service]\nExecStart=/bin/sleep 100000\n${body}`);
}

async function policy(doc: object): Promise<void> {
  writeFileSync(join(dir, 'policy.json'), JSON.stringify(doc));
  const r = await fleetctl('policy', 'set', 'policy.json');
  assert.equal(r.code, 0, r.err);
}

/** The host index each unit runs on (systemd's view), in argument order. */
async function placement(...units: string[]): Promise<number[]> {
  const out: number[] = [];
  for (const u of units) {
    const on = await waitFor(`${u} running`, async () => {
      const hosts = await runningOn(c, u);
      return hosts.length === 1 ? hosts[0] : undefined;
    }, 30_000);
    out.push(on);
  }
  return out;
}

async function destroyAll(): Promise<void> {
  const names = (await c.registry.api.listUnits()).map((u) => u.unit.name);
  if (names.length > 0) assert.equal((await fleetctl('destroy', ...names)).code, 0);
  await policy({});
}

before(async () => {
  c = await SandboxCluster.start({
    hosts: 3,
    metadata: (i) => `az=${'abc'[i]}`,
    resources: (i) => `cpu=${SIZES[i]},memory=${SIZES[i]}G`,
  });
  await waitFor('3 machines registered', async () => (await c.registry.api.listMachines()).length === 3, 30_000);
  endpoint = `unix://${c.hosts[0]!.apiSocket}`;
  dir = mkdtempSync(join(tmpdir(), 'fleet-resources-e2e-'));
});

after(async () => {
  await c?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('a unit lands on the one machine it fits; list-machines shows the allocation', async () => {
  unitFile('big.service', '[X-Fleet]\nResources=cpu=1 memory=4G\n');
  const r = await fleetctl('start', 'big.service');
  assert.equal(r.code, 0, r.err);
  assert.deepEqual(await placement('big.service'), [1], 'only the 5 GiB host has 4 GiB free');
  const machines = await waitFor('allocation published', async () => {
    const m = await fleetctl('list-machines', '--no-legend', '--fields', 'metadata,cpu,memory');
    return m.out.includes('4.0G/5.0G') ? m.out : undefined;
  });
  assert.match(machines, /az=b\t1\/5\t4\.0G\/5\.0G/);
  await destroyAll();
});

test('a unit too big for every machine stays unplaced and explain says why', async () => {
  unitFile('huge.service', '[X-Fleet]\nResources=memory=8G\n');
  const r = await fleetctl('start', '--no-block', 'huge.service');
  assert.equal(r.code, 0, r.err);
  const explained = await waitFor('explained', async () => {
    const e = await fleetctl('explain', 'huge.service');
    return e.out.includes('eligible') ? e : undefined;
  });
  assert.notEqual(explained.code, 0, 'explain exits non-zero for an unplaced unit');
  assert.match(explained.out, /0 of 3 machines eligible: 3 by Resources \(memory: needs 8\.0G, most free 5\.0G on [0-9a-f]{8}\)/);
  assert.equal((await c.registry.api.listSchedule()).length, 0, 'nothing scheduled');
  await destroyAll();
});

test('spread and binpack place the same sequence of units as specified', async () => {
  for (let i = 1; i <= 4; i++) unitFile(`s${i}.service`, '[X-Fleet]\nResources=cpu=1 memory=1G\n');
  // spread: the largest free fraction after placing: 5-core host (4/5), 3-core (2/3), 5-core (3/5), then 2-core (1/2 beats 2/5 and 1/3).
  for (let i = 1; i <= 4; i++) assert.equal((await fleetctl('start', `s${i}.service`)).code, 0);
  assert.deepEqual(await placement('s1.service', 's2.service', 's3.service', 's4.service'), [1, 0, 1, 2]);
  await destroyAll();

  await policy({ strategy: 'binpack' });
  for (let i = 1; i <= 6; i++) unitFile(`b${i}.service`, '[X-Fleet]\nResources=cpu=1 memory=1G\n');
  // binpack: the roomiest empty machine is opened first and filled; the sixth unit opens the next roomiest.
  for (let i = 1; i <= 6; i++) assert.equal((await fleetctl('start', `b${i}.service`)).code, 0);
  assert.deepEqual(await placement('b1.service', 'b2.service', 'b3.service', 'b4.service', 'b5.service', 'b6.service'), [1, 1, 1, 1, 1, 0]);
  await destroyAll();
});

test('spreadBy az puts three instances in three zones', async () => {
  await policy({ spreadBy: 'az' });
  unitFile('z@.service', '[X-Fleet]\nResources=cpu=0.5 memory=256M\n');
  const r = await fleetctl('start', 'z@1.service', 'z@2.service', 'z@3.service');
  assert.equal(r.code, 0, r.err);
  const on = await placement('z@1.service', 'z@2.service', 'z@3.service');
  assert.deepEqual([...on].sort(), [0, 1, 2], `one instance per zone, got hosts ${on}`);
  await destroyAll();
});

test('enforce: units get CPUQuota=/MemoryMax= from what they reserve, running ones too; status shows the drop-in', async () => {
  unitFile('early.service', '[X-Fleet]\nResources=cpu=0.5 memory=256M\n');
  unitFile('own.service', 'MemoryMax=100M\n[X-Fleet]\nResources=cpu=0.25 memory=512M\n');
  assert.equal((await fleetctl('start', 'early.service', 'own.service')).code, 0);
  const [early, own] = await placement('early.service', 'own.service');
  const show = async (host: number, unit: string) => (await c.systemctl(c.hosts[host]!, 'show', '-p', 'MemoryMax', '-p', 'CPUQuotaPerSecUSec', unit)).trim().split('\n').sort();
  assert.deepEqual(await show(early!, 'early.service'), ['CPUQuotaPerSecUSec=infinity', 'MemoryMax=infinity'], 'off by default');

  await policy({ enforce: true });
  // A running unit gets its limits through the drop-in and a daemon reload, without a restart.
  const pid = (await c.systemctl(c.hosts[early!]!, 'show', '-p', 'MainPID', '--value', 'early.service')).trim();
  assert.deepEqual(
    await waitFor('limits on the running unit', async () => {
      const s = await show(early!, 'early.service');
      return s.includes('MemoryMax=268435456') ? s : undefined;
    }, 30_000),
    ['CPUQuotaPerSecUSec=500ms', 'MemoryMax=268435456'],
  );
  assert.equal((await c.systemctl(c.hosts[early!]!, 'show', '-p', 'MainPID', '--value', 'early.service')).trim(), pid, 'not restarted');
  // The unit's own MemoryMax= stays; only the cpu it does not limit itself is enforced.
  assert.deepEqual(
    await waitFor('cpu limit on own.service', async () => {
      const s = await show(own!, 'own.service');
      return s.includes('CPUQuotaPerSecUSec=250ms') ? s : undefined;
    }, 30_000),
    ['CPUQuotaPerSecUSec=250ms', 'MemoryMax=104857600'],
  );

  // A unit started while enforce is on is loaded with its drop-in.
  unitFile('late.service', '[X-Fleet]\nResources=memory=64M\n');
  assert.equal((await fleetctl('start', 'late.service')).code, 0);
  const [late] = await placement('late.service');
  assert.deepEqual(await show(late!, 'late.service'), ['CPUQuotaPerSecUSec=infinity', 'MemoryMax=67108864']);
  const status = await fleetctl('status', 'late.service');
  assert.equal(status.code, 0, status.err);
  assert.match(status.out, /Drop-In: .*late\.service\.d[\s\S]*fleet-resources\.conf/);

  // Turned off again: the limits go.
  await policy({ enforce: false });
  await waitFor('limits removed', async () => ((await show(early!, 'early.service')).includes('MemoryMax=infinity') ? true : undefined), 30_000);
  await destroyAll();
});

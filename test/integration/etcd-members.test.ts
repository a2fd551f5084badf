import { after, before } from 'node:test';
import { resetAfterFailure } from '../support/cluster-reset.js';
import assert from 'node:assert/strict';
import { SandboxCluster } from '../../src/sandbox/cluster.js';
import type { EtcdMember } from '../../src/sandbox/etcd.js';
import { mainPid, runningOn } from '../support/cluster-probes.js';
import { runFleetctl } from '../support/run-fleetctl.js';
import { sleeper } from '../support/units.js';
import { waitFor } from '../support/wait.js';

// fleetd on a 3-member etcd: losing the etcd leader, a follower, or every
// member at once (then all back) stops no unit, and the cluster keeps taking
// new work through fleetctl once etcd has a quorum again.
let c: SandboxCluster;
// A failing test resets the shared cluster, so the next one starts clean.
const test = resetAfterFailure(() => c);
const UNITS = ['m1.service', 'm2.service', 'm3.service', 'm4.service', 'm5.service', 'm6.service'];

before(async () => {
  c = await SandboxCluster.start({ hosts: 3, etcdMembers: 3 });
  await waitFor('3 machines registered', async () => (await c.registry.api.listMachines()).length === 3, 20_000);
  for (const u of UNITS) await c.registry.api.createUnit(sleeper(u), 'launched');
  await waitFor('6 units running', async () => (await c.registry.api.listStates()).filter((s) => s.subState === 'running').length === UNITS.length, 20_000);
});

after(async () => {
  await c?.stop();
});

/** MainPID of every unit, by name, read from systemd on the host that runs it. */
async function pids(): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const u of UNITS) {
    const on = await runningOn(c, u);
    assert.equal(on.length, 1, `${u} runs on exactly one host (on ${on.join(',') || 'none'})`);
    out.set(u, await mainPid(c, c.hosts[on[0]!]!, u));
  }
  return out;
}

async function fleetctl(...args: string[]) {
  return runFleetctl(['--endpoint', `unix://${c.hosts[1]!.apiSocket}`, ...args], { timeoutMs: 60_000 });
}

/** Starts one more unit through fleetctl and waits until systemd runs it. */
async function startsNewUnit(name: string): Promise<void> {
  const dir = await import('node:fs').then((fs) => fs.mkdtempSync('/tmp/fleet-etcd-members-'));
  const { writeFileSync, rmSync } = await import('node:fs');
  writeFileSync(`${dir}/${name}`, '[Service]\nExecStart=/bin/sleep 100000\n');
  try {
    const r = await fleetctl('start', '--no-block', `${dir}/${name}`);
    assert.equal(r.code, 0, `fleetctl start ${name}: ${r.err}`);
    await waitFor(`${name} running in systemd`, async () => (await runningOn(c, name)).length === 1, 20_000);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function leader(): Promise<EtcdMember> {
  return waitFor('an etcd leader', () => c.etcd.leader(), 15_000, 100);
}

test('losing the etcd leader stops no unit, and new units still start', async () => {
  const before = await pids();
  const old = await leader();
  await old.kill();
  const next = await leader();
  assert.notEqual(next.name, old.name);
  await startsNewUnit('after-leader-loss.service');
  assert.deepEqual(await pids(), before, 'no unit restarted');
  await old.restart();
  await waitFor('3 members running again', () => c.etcd.members.every((m) => m.running), 5000);
});

test('losing a follower stops no unit, and new units still start', async () => {
  const before = await pids();
  const lead = await leader();
  const follower = c.etcd.members.find((m) => m !== lead)!;
  await follower.kill();
  await startsNewUnit('after-follower-loss.service');
  assert.deepEqual(await pids(), before, 'no unit restarted');
  await follower.restart();
});

test('every member restarted at once: no unit stops, the cluster works again', async () => {
  const before = await pids();
  await Promise.all(c.etcd.members.map((m) => m.kill()));
  await new Promise((r) => setTimeout(r, 3000)); // etcd fully down for a while (longer than nothing, shorter than agent_ttl)
  await Promise.all(c.etcd.members.map((m) => m.restart()));
  await leader();
  await startsNewUnit('after-full-restart.service');
  assert.deepEqual(await pids(), before, 'no unit restarted');
  const list = await fleetctl('list-units', '--no-legend', '--fields', 'unit,active');
  assert.equal(list.code, 0, list.err);
  for (const u of UNITS) assert.match(list.out, new RegExp(`^${u.replace('.', '\\.')}\\s+active$`, 'm'));
});

test('etcd refusing writes (NOSPACE alarm): fleetctl says why, units keep running, writes work once cleared', async () => {
  const before = await pids();
  await c.etcd.setNoSpaceAlarm(true);
  try {
    const r = await fleetctl('stop', '--no-block', 'm1.service');
    assert.notEqual(r.code, 0, 'a write while etcd refuses writes fails');
    assert.match(r.err, /space|etcd/i, r.err);
    await new Promise((res) => setTimeout(res, 2000));
    assert.deepEqual(await pids(), before, 'no unit stopped or restarted while writes are refused');
  } finally {
    await c.etcd.setNoSpaceAlarm(false);
  }
  await startsNewUnit('after-nospace.service');
  assert.deepEqual(await pids(), before, 'no unit restarted');
});

/**
 * `fleetctl apply` end to end: the real binary against a sandbox cluster
 * (real etcd, fleetd, systemd). Create, a second apply doing nothing, a
 * dry run writing nothing, a change replaced in place, a prune destroying
 * only what the set created, a changed template through a rollout that
 * apply waits for; judged by systemd on the hosts and the keys in etcd.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SandboxCluster } from '../../src/sandbox/cluster.js';
import { waitFor } from '../support/wait.js';
import { runFleetctl, type FleetctlRun } from '../support/run-fleetctl.js';

let c: SandboxCluster;
let root: string;
let dir: string;

function fleetctl(...args: string[]): Promise<FleetctlRun> {
  return runFleetctl(['--endpoint', `unix://${c.hosts[0]!.apiSocket}`, ...args], { timeoutMs: 60_000 });
}

/** The intent keys (units, desired states, memberships, bodies) with their mod revisions: what apply may write. */
async function intentKeys(): Promise<string[]> {
  const l = c.registry.layout;
  const out: string[] = [];
  for (const dirKey of [l.units(), l.desiredAll(), l.appliedAll(), l.bodiesAll()]) {
    out.push(...(await c.registry.kv.list(dirKey)).kvs.map((kv) => `${kv.key}@${kv.modRevision}`));
  }
  return out;
}

/** The hosts where systemd says `name` is active. */
async function activeOn(name: string): Promise<number[]> {
  const out: number[] = [];
  for (const h of c.hosts) if ((await c.systemctl(h, 'is-active', name)).trim() === 'active') out.push(h.index);
  return out;
}

/** The MainPID systemd reports for `name` on the host running it; undefined when none runs it. */
async function mainPid(name: string): Promise<string | undefined> {
  for (const h of c.hosts) {
    const pid = (await c.systemctl(h, 'show', '-p', 'MainPID', '--value', name)).trim();
    if (pid !== '' && pid !== '0') return pid;
  }
  return undefined;
}

before(async () => {
  c = await SandboxCluster.start({ hosts: 2 });
  await waitFor('machines registered', async () => (await c.registry.api.listMachines()).length === 2, 20_000);
  root = mkdtempSync(join(tmpdir(), 'fleetctl-apply-e2e-'));
  dir = join(root, 'web');
  mkdirSync(dir);
  writeFileSync(join(dir, 'a.service'), '[Service]\nExecStart=/bin/sleep 1001\n');
  writeFileSync(join(dir, 'b.service'), '[Service]\nExecStart=/bin/sleep 1002\n');
  writeFileSync(join(dir, 'w@.service'), '[Service]\nExecStart=/bin/sleep 10%i\n');
  symlinkSync('w@.service', join(dir, 'w@1.service'));
  writeFileSync(join(dir, 'README.md'), 'not a unit\n');
  writeFileSync(join(root, 'hand.service'), '[Service]\nExecStart=/bin/sleep 1003\n');
});

after(async () => {
  await c?.stop();
  if (root) rmSync(root, { recursive: true, force: true });
});

test('dry run first: the diff, and no key written', async () => {
  const before = await intentKeys();
  const r = await fleetctl('apply', '--dry-run', dir);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^\+ a\.service [0-9a-f]{7} \(launched\)\n\+ b\.service [0-9a-f]{7} \(launched\)\n\+ w@\.service [0-9a-f]{7} \(inactive\)\n\+ w@1\.service [0-9a-f]{7} \(launched\)\napply set web: 4 to create, 0 to change, 0 unchanged\ndry run: nothing written\n$/);
  assert.deepEqual(await intentKeys(), before);
  assert.deepEqual(await c.registry.api.listUnits(), []);
});

test('apply creates the set; systemd runs it; a second apply does nothing', async () => {
  const r = await fleetctl('apply', dir);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /Unit a\.service created \(launched\)\n.*\napply set web: applied\n$/s);
  for (const name of ['a.service', 'b.service', 'w@1.service']) {
    await waitFor(`${name} active in systemd`, async () => (await activeOn(name)).length === 1, 30_000, 200);
  }
  assert.equal((await fleetctl('start', join(root, 'hand.service'))).code, 0, 'a unit outside the set');
  const keys = await intentKeys();
  const again = await fleetctl('apply', dir);
  assert.deepEqual(again, { code: 0, out: 'apply set web: 0 to create, 0 to change, 4 unchanged\nnothing to do\n', err: '' });
  assert.deepEqual(await intentKeys(), keys, 'the second apply wrote nothing');
});

test('a change is replaced in place and --prune destroys only what the set created', async () => {
  const untouched = await mainPid('w@1.service');
  const oldA = await mainPid('a.service');
  assert.ok(untouched !== undefined && oldA !== undefined);
  writeFileSync(join(dir, 'a.service'), '[Service]\nExecStart=/bin/sleep 2001\n');
  rmSync(join(dir, 'b.service'));

  const before = await intentKeys();
  const dry = await fleetctl('apply', '--dry-run', '--prune', dir);
  assert.equal(dry.code, 0, dry.err);
  assert.match(dry.out, /^~ a\.service [0-9a-f]{7} -> [0-9a-f]{7}: \[Service\] ExecStart changed\n- b\.service [0-9a-f]{7}\napply set web: 0 to create, 1 to change, 1 to prune, 2 unchanged\ndry run: nothing written\n$/);
  assert.deepEqual(await intentKeys(), before, 'a dry run with --prune writes nothing either');

  const r = await fleetctl('apply', '--prune', dir);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /Unit a\.service replaced\nUnit b\.service destroyed\napply set web: applied\n$/);
  await waitFor('a.service running the new text', async () => {
    const pid = await mainPid('a.service');
    if (pid === undefined || pid === oldA) return false;
    for (const h of c.hosts) if ((await c.systemctl(h, 'show', '-p', 'ExecStart', '--value', 'a.service')).includes('2001')) return true;
    return false;
  }, 30_000, 200);
  await waitFor('b.service gone from systemd', async () => (await activeOn('b.service')).length === 0, 30_000, 200);
  assert.deepEqual((await c.registry.api.listUnits()).map((u) => u.unit.name), ['a.service', 'hand.service', 'w@.service', 'w@1.service']);
  assert.deepEqual(await activeOn('hand.service').then((a) => a.length), 1, 'the unit made by hand still runs');
  assert.equal(await mainPid('w@1.service'), untouched, 'an unchanged unit was not restarted');
  assert.deepEqual(await fleetctl('apply', '--prune', dir), { code: 0, out: 'apply set web: 0 to create, 0 to change, 3 unchanged\nnothing to do\n', err: '' });
});

test('a changed template goes through a rollout: apply waits for it, the instance runs the new text, a second apply does nothing', async () => {
  const oldPid = await mainPid('w@1.service');
  writeFileSync(join(dir, 'w@.service'), '[Service]\nExecStart=/bin/sleep 30%i\n\n[X-Fleet]\nRolloutMinHealthyTime=1s\nRolloutHealthyDeadline=30s\n');
  const r = await fleetctl('apply', dir);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^~ w@\.service [0-9a-f]{7} -> [0-9a-f]{7}: \[Service\] ExecStart changed, \[X-Fleet\] RolloutMinHealthyTime added, \[X-Fleet\] RolloutHealthyDeadline added; through a rollout\n~ w@1\.service [0-9a-f]{7} -> [0-9a-f]{7}: .*; in the rollout of w@\.service\n/);
  assert.match(r.out, /\nRollout of w@\.service started: [0-9a-f]{7} -> [0-9a-f]{7}, 1 at a time, healthy after 1s, deadline 30s\n/);
  assert.match(r.out, /\nRollout of w@\.service done: 1 target\(s\) updated\napply set web: applied\n$/);
  const pid = await mainPid('w@1.service');
  assert.ok(pid !== undefined && pid !== oldPid, 'the instance was restarted');
  let execStart = '';
  for (const h of c.hosts) execStart += await c.systemctl(h, 'show', '-p', 'ExecStart', '--value', 'w@1.service');
  assert.match(execStart, /sleep 301/);
  assert.deepEqual(await fleetctl('apply', '--prune', dir), { code: 0, out: 'apply set web: 0 to create, 0 to change, 3 unchanged\nnothing to do\n', err: '' });
});

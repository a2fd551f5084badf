/**
 * Rollouts end to end through the real fleetctl binary on real etcd +
 * systemd (3 sandbox hosts, agent_ttl 5 s): `fleetctl rollout FILE` moves 6
 * instances 2 at a time while systemd on every host is sampled; a global
 * unit is rolled across the 3 hosts; a broken text stops after its first
 * batch (and `fleetctl rollout undo` puts it back); `fleetctl apply` of a
 * broken template with RolloutAutoRevert= reverts it and exits 1, without
 * touching the other instances; a leader SIGKILL in the middle of a
 * blocking `fleetctl rollout`, which still ends `done` under the new leader.
 * Judged by systemd on the hosts and the records in etcd.
 */
import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SandboxCluster, type ClusterHost } from '../../src/sandbox/cluster.js';
import type { RolloutRecord } from '../../src/rollout/index.js';
import { resetAfterFailure } from '../support/cluster-reset.js';
import { mainPid } from '../support/cluster-probes.js';
import { runFleetctl, type FleetctlRun } from '../support/run-fleetctl.js';
import { unitRecord } from '../support/units.js';
import { waitFor } from '../support/wait.js';

let c: SandboxCluster;
let root: string;
const test = resetAfterFailure(() => c);
const V1 = '[Service]\nExecStart=/bin/sleep 100000\n';
const V2 = '[Service]\nExecStart=/bin/sleep 100000\nEnvironment=V=2\n';
const BROKEN = '[Service]\nExecStart=/bin/false\n';
/** Short health gates so the file stays quick: 1 s healthy, 30 s deadline. */
const FAST = ['--min-healthy-time', '1s', '--healthy-deadline', '30s'];

before(async () => {
  c = await SandboxCluster.start({ hosts: 3, agentTtl: '5s' });
  await waitFor('3 machines registered', async () => (await c.registry.api.listMachines()).length === 3, 20_000);
  root = mkdtempSync(join(tmpdir(), 'rollout-e2e-'));
});

after(async () => {
  await c?.stop();
  if (root) rmSync(root, { recursive: true, force: true });
});

/** Runs the fleetctl binary against host `h`'s API socket (default: the first host). */
function fleetctl(args: readonly string[], h: ClusterHost = c.hosts[0]!): Promise<FleetctlRun> {
  return runFleetctl(['--endpoint', `unix://${h.apiSocket}`, ...args], { timeoutMs: 150_000 });
}

/** Writes unit file `name` with `text` into a new directory `dir` under the test root; returns its path. */
function unitFile(dir: string, name: string, text: string): string {
  mkdirSync(join(root, dir), { recursive: true });
  writeFileSync(join(root, dir, name), text);
  return join(root, dir, name);
}

/** Submits template `t` and `n` launched instances of it, and waits for all to run. */
async function instances(t: string, n: number): Promise<string[]> {
  const names = Array.from({ length: n }, (_, i) => t.replace('@.', `@${i + 1}.`));
  await c.registry.api.createUnit(unitRecord(t, V1), 'inactive');
  for (const name of names) await c.registry.api.createUnit(unitRecord(name, V1), 'launched');
  await waitFor(`${n} instances of ${t} running`, async () => (await running(t)).length === n, 60_000, 200);
  return names;
}

/** Instances of template `t` systemd reports active/running, over every host: `name@machine`. */
async function running(t: string): Promise<string[]> {
  const pattern = t.replace('@.', '@*.');
  const out: string[] = [];
  for (const h of c.hosts) {
    if (h.fleetd === undefined && h.host.processes().length === 0) continue;
    const lines = await c.systemctl(h, 'list-units', '--type=service', '--state=running', '--no-legend', '--plain', pattern);
    for (const l of lines.split('\n')) if (l.trim() !== '') out.push(`${l.trim().split(/\s+/)[0]}@${h.machineId}`);
  }
  return out;
}

async function rollout(group: string): Promise<RolloutRecord> {
  return (await c.registry.api.getRollout(group))!.record;
}

/** MainPID of each unit where the schedule puts it. */
async function pids(names: readonly string[]): Promise<Map<string, number>> {
  const entries = await c.registry.api.listSchedule();
  const out = new Map<string, number>();
  for (const n of names) {
    const e = entries.find((x) => x.name === n)!;
    out.set(n, await mainPid(c, c.hosts.find((h) => h.machineId === e.machineId)!, n));
  }
  return out;
}

async function clean(): Promise<void> {
  for (const u of await c.registry.api.listUnits()) await c.registry.api.destroyUnit(u.unit.name);
  await waitFor('no unit states reported', async () => (await c.registry.api.listStates()).length === 0, 60_000, 200);
}

test('fleetctl rollout: 6 instances, max_parallel 2: at least 4 running at every sample of systemd on every host; all on the new text at the end', async () => {
  await instances('web@.service', 6);
  let ended = false;
  const run = fleetctl(['rollout', '--max-parallel', '2', ...FAST, unitFile('v2', 'web@.service', V2)]).finally(() => (ended = true));
  let samples = 0;
  let fewest = 6;
  while (!ended) {
    const now = await running('web@.service');
    samples++;
    fewest = Math.min(fewest, now.length);
    assert.ok(now.length >= 4, `only ${now.length} instances running: ${now.join(' ')}`);
  }
  const r = await run;
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^Rollout of web@\.service started: [0-9a-f]{7} -> [0-9a-f]{7}, 2 at a time, healthy after 1s, deadline 30s\n/);
  assert.match(r.out, /\nRollout of web@\.service done: 6 target\(s\) updated\n$/);
  const done = await rollout('web@.service');
  assert.deepEqual(done.batches.map((b) => b.targets.length), [2, 2, 2]);
  const states = await c.registry.api.listStates();
  assert.equal(states.filter((s) => s.hash === done.toHash && s.subState === 'running').length, 6, 'every instance runs the new text');
  assert.ok((await c.registry.api.listUnits()).every((u) => u.unit.hash === done.toHash), 'template and instances carry the new text');
  const status = await fleetctl(['rollout', 'status', 'web@.service']);
  assert.match(status.out, /^\[#{20}\] web@\.service: done, 6\/6 updated, batch 2 \(update, healthy\)/);
  console.log(`# ${samples} samples of systemd on 3 hosts; fewest running: ${fewest} of 6`);
  await clean();
});

test('fleetctl rollout: a global unit rolled across 3 hosts, one machine at a time (settings from the file)', async () => {
  const g = 'mon.service';
  await c.registry.api.createUnit(unitRecord(g, `${V1}\n[X-Fleet]\nGlobal=true\n`), 'launched');
  await waitFor('global unit on 3 hosts', async () => (await c.registry.api.listStates({ names: [g] })).filter((s) => s.subState === 'running').length === 3, 60_000, 200);
  const r = await fleetctl(['rollout', unitFile('g2', g, `${V2}\n[X-Fleet]\nGlobal=true\nRolloutMinHealthyTime=1s\nRolloutHealthyDeadline=30s\n`)]);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /1 at a time, healthy after 1s, deadline 30s\n[^]*Rollout of mon\.service done/);
  const done = await rollout(g);
  assert.equal(done.kind, 'global');
  assert.deepEqual(done.batches.map((b) => b.targets.length), [1, 1, 1]);
  assert.deepEqual(new Set(done.batches.map((b) => b.targets[0])), new Set(c.hosts.map((h) => h.machineId)), 'each machine once');
  const states = await c.registry.api.listStates({ names: [g] });
  assert.equal(states.filter((s) => s.hash === done.toHash && s.subState === 'running').length, 3);
  await clean();
});

test('fleetctl rollout: a broken text (ExecStart=/bin/false) stops after its first batch and exits 1; rollout undo puts it back; the untouched instances keep their MainPIDs', async () => {
  const names = await instances('bad@.service', 6);
  const before = await pids(names);
  const r = await fleetctl(['rollout', '--max-parallel', '2', ...FAST, unitFile('broken', 'bad@.service', BROKEN)]);
  assert.equal(r.code, 1, r.out);
  assert.match(r.err, /^Rollout of bad@\.service failed: batch 0 failed: .* failed \(failed\/failed\)/);
  const failed = await rollout('bad@.service');
  assert.equal(failed.batches.length, 1, 'stopped after the first batch');
  const untouched = failed.targets.filter((t) => t.status === 'pending').map((t) => t.unit);
  assert.equal(untouched.length, 4);
  const undo = await fleetctl(['rollout', 'undo', 'bad@.service']);
  assert.equal(undo.code, 0, undo.err);
  assert.match(undo.out, /\(undo requested\)\n$/);
  const reverted = await waitFor('undo carried out', async () => {
    const x = await rollout('bad@.service');
    return x.phase === 'reverted' || (x.phase === 'failed' && !x.undoRequested) ? x : undefined;
  }, 90_000, 200);
  assert.equal(reverted.phase, 'reverted', reverted.message);
  await waitFor('all 6 running again', async () => (await running('bad@.service')).length === 6, 30_000, 200);
  const after = await pids(names);
  for (const n of untouched) assert.equal(after.get(n), before.get(n), `${n} was not restarted`);
  await clean();
});

test('fleetctl apply: a broken template with RolloutAutoRevert=true is reverted after its first batch and apply exits 1; the untouched instances keep their MainPIDs', async () => {
  const dir = join(root, 'ar');
  unitFile('ar', 'ar@.service', V1);
  const names = Array.from({ length: 6 }, (_, i) => `ar@${i + 1}.service`);
  for (const n of names) symlinkSync('ar@.service', join(dir, n));
  const created = await fleetctl(['apply', dir]);
  assert.equal(created.code, 0, created.err);
  await waitFor('6 instances of ar@.service running', async () => (await running('ar@.service')).length === 6, 60_000, 200);
  const before = await pids(names);

  writeFileSync(join(dir, 'ar@.service'), `${BROKEN}\n[X-Fleet]\nRolloutMaxParallel=2\nRolloutAutoRevert=true\nRolloutMinHealthyTime=1s\nRolloutHealthyDeadline=30s\n`);
  const r = await fleetctl(['apply', dir]);
  assert.equal(r.code, 1, r.out);
  assert.match(r.out, /^~ ar@\.service [0-9a-f]{7} -> [0-9a-f]{7}: .*; through a rollout\n~ ar@1\.service .*; in the rollout of ar@\.service\n/);
  assert.match(r.out, /\nRollout of ar@\.service started: .*2 at a time, healthy after 1s, deadline 30s, auto-revert\n/);
  assert.match(r.out, /\napply set ar: 1 of 1 rollouts did not finish\n$/);
  assert.match(r.err, /Rollout of ar@\.service reverted: reverted after batch 0 failed/);
  const end = await rollout('ar@.service');
  assert.deepEqual(end.batches.map((b) => `${b.kind} ${b.state}`), ['update failed', 'revert healthy']);
  await waitFor('all 6 running the previous text', async () => (await running('ar@.service')).length === 6, 30_000, 200);
  const after = await pids(names);
  const touched = new Set(end.batches[0]!.targets);
  assert.equal(touched.size, 2);
  for (const n of names.filter((x) => !touched.has(x))) assert.equal(after.get(n), before.get(n), `${n} was not restarted`);
  assert.ok((await c.registry.api.listStates()).every((s) => s.hash === end.fromHash), 'every instance reports the previous text');
  assert.ok((await c.registry.api.listUnits()).every((u) => u.unit.hash === end.fromHash), 'the records keep the previous text');
  await clean();
});

test('leader SIGKILL in the middle of a blocking fleetctl rollout: the new leader finishes it from the stored progress', async () => {
  await instances('lk@.service', 6);
  const leaderId = (await c.registry.kv.get(c.registry.layout.leader())).kv!.value;
  const h = c.hosts.find((x) => x.machineId === leaderId)!;
  // fleetctl talks to a fleetd that survives.
  const other = c.hosts.find((x) => x !== h)!;
  const run = fleetctl(['rollout', '--max-parallel', '1', '--min-healthy-time', '2s', '--healthy-deadline', '30s', unitFile('lk', 'lk@.service', V2)], other);
  await waitFor('second batch started', async () => ((await c.registry.api.getRollout('lk@.service'))?.record.batches.length ?? 0) >= 2, 60_000, 200);
  const at = (await rollout('lk@.service')).batches.length;
  await c.stopFleetd(h, 'SIGKILL');
  const next = await waitFor('another leader', async () => {
    const v = (await c.registry.kv.get(c.registry.layout.leader())).kv?.value;
    return v !== undefined && v !== leaderId ? v : undefined;
  }, 30_000, 200);
  c.startFleetd(h);
  const r = await run;
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /\nRollout of lk@\.service done: 6 target\(s\) updated\n$/);
  const done = await rollout('lk@.service');
  assert.ok(done.batches.length >= 6 && at < 6, `the new leader (${next}) ran batches ${at}..${done.batches.length - 1}`);
  await waitFor('all 6 running the new text', async () => (await c.registry.api.listStates()).filter((s) => s.hash === done.toHash && s.subState === 'running').length === 6, 30_000, 200);
  await clean();
});

/**
 * Rollouts end to end on real etcd + systemd (3 sandbox hosts, agent_ttl
 * 5 s): the engine leader moves instances batch by batch while systemd on
 * every host is sampled; a broken text stops (and with auto_revert is
 * reverted) without touching the other instances; a leader SIGKILL in the
 * middle and the rollout finishing under the new leader.
 */
import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { SandboxCluster, type ClusterHost } from '../../src/sandbox/cluster.js';
import { executeRolloutControl, executeRolloutCreate } from '../../src/registry/index.js';
import type { RolloutRecord, RolloutSettingsInput } from '../../src/rollout/index.js';
import { buildUnit } from '../../src/units/index.js';
import { resetAfterFailure } from '../support/cluster-reset.js';
import { mainPid } from '../support/cluster-probes.js';
import { unitRecord } from '../support/units.js';
import { waitFor } from '../support/wait.js';

let c: SandboxCluster;
const test = resetAfterFailure(() => c);
const V1 = '[Service]\nExecStart=/bin/sleep 100000\n';
const V2 = '[Service]\nExecStart=/bin/sleep 100000\nEnvironment=V=2\n';
const BROKEN = '[Service]\nExecStart=/bin/false\n';
const FAST = { minHealthyTimeMs: 2000, healthyDeadlineMs: 30_000 };

before(async () => {
  c = await SandboxCluster.start({ hosts: 3, agentTtl: '5s' });
  await waitFor('3 machines registered', async () => (await c.registry.api.listMachines()).length === 3, 20_000);
});

after(async () => {
  await c?.stop();
});

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

function start(group: string, text: string, settings: RolloutSettingsInput): Promise<RolloutRecord> {
  return executeRolloutCreate(c.registry.api, { group, unit: buildUnit(group, text), settings: { ...FAST, ...settings } }, Date.now());
}

async function rollout(group: string): Promise<RolloutRecord> {
  return (await c.registry.api.getRollout(group))!.record;
}

function waitPhase(group: string, phases: readonly string[], timeoutMs = 90_000): Promise<RolloutRecord> {
  return waitFor(`rollout of ${group} ${phases.join('/')}`, async () => {
    const r = await rollout(group);
    return phases.includes(r.phase) ? r : undefined;
  }, timeoutMs, 200);
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

test('6 instances, max_parallel 2: at least 4 running at every sample of systemd on every host; all on the new text at the end', async () => {
  await instances('web@.service', 6);
  const r = await start('web@.service', V2, { maxParallel: 2 });
  let samples = 0;
  let fewest = 6;
  for (;;) {
    const now = await running('web@.service');
    samples++;
    fewest = Math.min(fewest, now.length);
    assert.ok(now.length >= 4, `only ${now.length} instances running: ${now.join(' ')}`);
    const cur = await rollout('web@.service');
    if (cur.phase === 'done') break;
    assert.ok(cur.phase === 'pending' || cur.phase === 'running', `${cur.phase}: ${cur.message}`);
  }
  const done = await rollout('web@.service');
  assert.equal(done.batches.length, 3);
  const states = await c.registry.api.listStates();
  assert.equal(states.filter((s) => s.hash === r.toHash && s.subState === 'running').length, 6, 'every instance runs the new text');
  assert.ok((await c.registry.api.listUnits()).every((u) => u.unit.hash === r.toHash), 'template and instances carry the new text');
  console.log(`# ${samples} samples of systemd on 3 hosts; fewest running: ${fewest} of 6`);
  await clean();
});

test('a global unit rolled across 3 hosts, one machine at a time', async () => {
  const g = 'mon.service';
  await c.registry.api.createUnit(unitRecord(g, `${V1}\n[X-Fleet]\nGlobal=true\n`), 'launched');
  await waitFor('global unit on 3 hosts', async () => (await c.registry.api.listStates({ names: [g] })).filter((s) => s.subState === 'running').length === 3, 60_000, 200);
  const r = await start(g, `${V2}\n[X-Fleet]\nGlobal=true\n`, { maxParallel: 1 });
  assert.equal(r.kind, 'global');
  const done = await waitPhase(g, ['done', 'failed', 'reverted']);
  assert.equal(done.phase, 'done', done.message);
  assert.deepEqual(done.batches.map((b) => b.targets.length), [1, 1, 1]);
  assert.deepEqual(new Set(done.batches.map((b) => b.targets[0])).size, 3, 'each machine once');
  const states = await c.registry.api.listStates({ names: [g] });
  assert.equal(states.filter((s) => s.hash === r.toHash && s.subState === 'running').length, 3);
  await clean();
});

test('a broken text (ExecStart=/bin/false) stops after its first batch; undo puts it back; the untouched instances keep their MainPIDs', async () => {
  const names = await instances('bad@.service', 6);
  const before = await pids(names);
  await start('bad@.service', BROKEN, { maxParallel: 2 });
  const failed = await waitPhase('bad@.service', ['failed', 'done', 'reverted']);
  assert.equal(failed.phase, 'failed', failed.message);
  assert.equal(failed.batches.length, 1, 'stopped after the first batch');
  assert.match(failed.message!, /batch 0 failed: .* failed \(failed\/failed\)/);
  const untouched = failed.targets.filter((t) => t.status === 'pending').map((t) => t.unit);
  assert.equal(untouched.length, 4);
  assert.equal((await executeRolloutControl(c.registry.api, 'bad@.service', 'undo', Date.now())).undoRequested, true);
  // The engine turns the request into `reverting`, then `reverted` (a failed revert would stop at `failed` with undoRequested cleared).
  const reverted = await waitFor('undo carried out', async () => {
    const r = await rollout('bad@.service');
    return r.phase === 'reverted' || (r.phase === 'failed' && !r.undoRequested) ? r : undefined;
  }, 90_000, 200);
  assert.equal(reverted.phase, 'reverted', reverted.message);
  await waitFor('all 6 running again', async () => (await running('bad@.service')).length === 6, 30_000, 200);
  const after = await pids(names);
  for (const n of untouched) assert.equal(after.get(n), before.get(n), `${n} was not restarted`);
  await clean();
});

test('auto_revert: a broken text is reverted after its first batch; the untouched instances keep their MainPIDs', async () => {
  const names = await instances('ar@.service', 6);
  const before = await pids(names);
  const r = await start('ar@.service', BROKEN, { maxParallel: 2, autoRevert: true });
  const end = await waitPhase('ar@.service', ['reverted', 'failed', 'done']);
  assert.equal(end.phase, 'reverted', end.message);
  assert.match(end.message!, /reverted after batch 0 failed/);
  assert.deepEqual(end.batches.map((b) => `${b.kind} ${b.state}`), ['update failed', 'revert healthy']);
  await waitFor('all 6 running the previous text', async () => (await running('ar@.service')).length === 6, 30_000, 200);
  const after = await pids(names);
  const touched = new Set(end.batches[0]!.targets);
  for (const n of names.filter((x) => !touched.has(x))) assert.equal(after.get(n), before.get(n), `${n} was not restarted`);
  assert.ok((await c.registry.api.listStates()).every((s) => s.hash === r.fromHash));
  await clean();
});

test('leader SIGKILL in the middle of a rollout: the new leader finishes it from the stored progress', async () => {
  await instances('lk@.service', 6);
  await start('lk@.service', V2, { maxParallel: 1, minHealthyTimeMs: 3000 });
  await waitFor('second batch started', async () => (await rollout('lk@.service')).batches.length >= 2, 60_000, 200);
  const leaderId = (await c.registry.kv.get(c.registry.layout.leader())).kv!.value;
  const h: ClusterHost = c.hosts.find((x) => x.machineId === leaderId)!;
  const at = (await rollout('lk@.service')).batches.length;
  await c.stopFleetd(h, 'SIGKILL');
  const next = await waitFor('another leader', async () => {
    const v = (await c.registry.kv.get(c.registry.layout.leader())).kv?.value;
    return v !== undefined && v !== leaderId ? v : undefined;
  }, 30_000, 200);
  c.startFleetd(h);
  const done = await waitPhase('lk@.service', ['done', 'failed', 'reverted'], 120_000);
  assert.equal(done.phase, 'done', done.message);
  assert.ok(done.batches.length >= 6 && at < 6, `the new leader (${next}) ran batches ${at}..${done.batches.length - 1}`);
  await waitFor('all 6 running the new text', async () => (await c.registry.api.listStates()).filter((s) => s.hash === done.toHash && s.subState === 'running').length === 6, 30_000, 200);
  await clean();
});

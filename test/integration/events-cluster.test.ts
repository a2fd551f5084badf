/**
 * The event stream end to end: real etcd, systemd and fleetd; the real
 * fleetctl binary follows `fleetctl events` while another fleetctl starts a
 * unit, and the unit is then killed in systemd.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SandboxCluster } from '../../src/sandbox/cluster.js';
import { waitFor } from '../support/wait.js';
import { FLEETCTL_BIN, runFleetctl } from '../support/run-fleetctl.js';

let c: SandboxCluster;
let dir: string;
let follower: ChildProcess | undefined;

before(async () => {
  c = await SandboxCluster.start({ hosts: 2 });
  await waitFor('machines registered', async () => (await c.registry.api.listMachines()).length === 2, 20_000);
  dir = mkdtempSync(join(tmpdir(), 'fleet-events-e2e-'));
  writeFileSync(join(dir, 'ev.service'), '[Service]\nExecStart=/bin/sleep 1000\n');
});

after(async () => {
  if (follower?.pid !== undefined && follower.exitCode === null) follower.kill('SIGKILL');
  await c?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('fleetctl events --follow sees a unit submitted, scheduled with the engine\'s reason, running, and failed when killed', async () => {
  const endpoint = `unix://${c.hosts[0]!.apiSocket}`;
  // From the next revision, so nothing done below can happen before the stream opens.
  const from = (await c.registry.api.headRevision()) + 1n;
  const child = spawn(FLEETCTL_BIN, ['--endpoint', endpoint, 'events', '--follow', '--from', String(from), '--unit', 'ev.service', '-o', 'json'], { stdio: ['ignore', 'pipe', 'pipe'] });
  follower = child;
  let out = '';
  let err = '';
  child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr!.on('data', (b: Buffer) => (err += b.toString()));
  const events = () => out.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>);
  const has = (pred: (e: Record<string, unknown>) => boolean) => events().some(pred);

  const start = await runFleetctl(['--endpoint', endpoint, 'start', 'ev.service'], { cwd: dir, timeoutMs: 60_000 });
  assert.equal(start.code, 0, start.err);
  await waitFor('submitted, scheduled and running in the stream', async () => has((e) => e['type'] === 'unit.state' && e['subState'] === 'running'), 30_000).catch((e: unknown) => {
    throw new Error(`${(e as Error).message}; got ${out} ${err}`);
  });
  const scheduled = events().find((e) => e['type'] === 'unit.scheduled')!;
  assert.equal(typeof scheduled['machine'], 'string');
  assert.match(String(scheduled['reason']), /desired state launched and unit not scheduled/);
  const types = events().map((e) => e['type']);
  for (const t of ['unit.submitted', 'unit.desired', 'unit.scheduled', 'unit.state']) assert.ok(types.includes(t), `${t} in ${types.join(', ')}`);
  assert.ok(types.indexOf('unit.submitted') < types.indexOf('unit.scheduled'));
  const revisions = events().map((e) => e['revision'] as number);
  assert.deepEqual([...revisions].sort((a, b) => a - b), revisions, 'revision order');

  const host = c.hosts.find((h) => h.machineId === scheduled['machine'])!;
  await c.systemctl(host, 'kill', '--signal=SIGKILL', 'ev.service');
  await waitFor('failed and the unit-failing anomaly in the stream', async () => has((e) => e['type'] === 'unit.failed') && has((e) => e['type'] === 'anomaly.unit-failing'), 30_000).catch((e: unknown) => {
    throw new Error(`${(e as Error).message}; got ${out} ${err}`);
  });
  const failed = events().find((e) => e['type'] === 'unit.failed')!;
  assert.equal(failed['machine'], host.machineId);

  // The same history, replayed without --follow, through the other host's API, as text.
  const replay = await runFleetctl(['--endpoint', `unix://${c.hosts[1]!.apiSocket}`, 'events', '--from', String(from), '--unit', 'ev.service', '--type', 'unit.failed'], { timeoutMs: 30_000 });
  assert.equal(replay.code, 0, replay.err);
  assert.match(replay.out, new RegExp(`^\\S+Z  unit\\.failed        ev\\.service on ${host.machineId}: \\S+\\n$`));

  child.kill('SIGINT');
  await new Promise((r) => child.once('close', r));
});

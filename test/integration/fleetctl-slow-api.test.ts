/**
 * Overload degrades, never breaks (issue 10): the API host's etcd answers
 * slowly (fleetd's test-only FLEET_TEST_API_ETCD_DELAY_MS: 4.2 s before each
 * of its API's etcd requests), so a 250-unit batch (one read round, then two
 * waves of four write transactions) takes 12.6 s, longer than the 10 s
 * `--request-timeout`. The real fleetctl binary's `start --no-block` of 500
 * units still exits 0 with every unit stored: each batch's deadline (5 s,
 * half the timeout) passes during the first write wave, so fleetd answers
 * after it (8.4 s) with the rest 503, which fleetctl resends. (Before the
 * deadline the same command timed out and failed its batches.) The deadline
 * bounds when writes start, not how long those already started take: an
 * answer arrives in time only while the reads and one write take less than
 * the timeout's second half, which these figures leave 0.8-1.6 s of room
 * for. The units are pinned to metadata no host has, so nothing runs.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SandboxCluster } from '../../src/sandbox/cluster.js';
import { runFleetctl } from '../support/run-fleetctl.js';
import { waitFor } from '../support/wait.js';

const N = 500;
const names = Array.from({ length: N }, (_, i) => `slow${String(i).padStart(3, '0')}.service`);

let c: SandboxCluster;
let dir: string;

before(async () => {
  c = await SandboxCluster.start({ hosts: 0, label: 'sa' });
  await c.addHost({ FLEET_TEST_API_ETCD_DELAY_MS: '4200' });
  await c.addHost();
  await c.addHost();
  await waitFor('machines registered', async () => (await c.registry.api.listMachines()).length === 3, 60_000);
  dir = mkdtempSync(join(tmpdir(), 'fleetctl-slow-'));
  // A body of its own per unit (4 etcd ops each): 8 write transactions per 250-unit batch, two waves of 4.
  for (const n of names) writeFileSync(join(dir, n), `[Unit]\nDescription=${n}\n\n[Service]\nExecStart=/bin/sleep 100000\n\n[X-Fleet]\nMachineMetadata=role=nowhere\n`);
});

after(async () => {
  await c?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test(`start --no-block of ${N} units through an API whose etcd is slow: exit 0, every unit stored launched`, async () => {
  const endpoint = `unix://${c.hosts[0]!.apiSocket}`;
  const run = await runFleetctl(['--endpoint', endpoint, '--request-timeout', '10', 'start', '--no-block', ...names], { cwd: dir, timeoutMs: 180_000 });
  assert.equal(run.err.slice(0, 2000), '', 'no unit failed');
  assert.equal(run.code, 0);
  assert.equal(run.out.split('\n').filter((l) => / start$/.test(l)).length, N, run.out.slice(0, 300));
  const stored = await c.registry.api.getUnits(names);
  assert.deepEqual(
    names.filter((_, i) => stored[i]?.desired !== 'launched'),
    [],
    'every unit stored with desired state launched',
  );
  // The batches were cut at their deadline (not merely fast enough this time), and fleetd said why.
  assert.match(c.logs(c.hosts[0]!), /unit batch: items not started answered 503/);
});

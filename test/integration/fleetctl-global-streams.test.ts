/**
 * `fleetctl status` / `fleetctl journal` of a global unit on a sandbox
 * cluster (real etcd, systemd, fleetd): every host's output headed by its
 * machine, `--machine` (8-character prefix) picks one host's journal, and a
 * bad `--machine` value is an error.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SandboxCluster } from '../../src/sandbox/cluster.js';
import { runningOn } from '../support/cluster-probes.js';
import { runFleetctl, type FleetctlRun } from '../support/run-fleetctl.js';
import { waitFor } from '../support/wait.js';

let c: SandboxCluster;
let dir: string;

function fleetctl(...args: string[]): Promise<FleetctlRun> {
  return runFleetctl(['--endpoint', `unix://${c.hosts[0]!.apiSocket}`, ...args], { cwd: dir, timeoutMs: 60_000 });
}

before(async () => {
  c = await SandboxCluster.start({ hosts: 3, label: 'fg' });
  await waitFor('machines registered', async () => (await c.registry.api.listMachines()).length === 3, 20_000);
  dir = mkdtempSync(join(tmpdir(), 'fleetctl-global-'));
  writeFileSync(
    join(dir, 'monitor.service'),
    '[Service]\nExecStart=/bin/sh -c "echo marker-$$(cat /etc/machine-id); exec sleep 100000"\n\n[X-Fleet]\nGlobal=true\n',
  );
});

after(async () => {
  await c?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('status and journal of a global unit: headed blocks per host, --machine picks one, bad --machine errors', async () => {
  const start = await fleetctl('start', 'monitor.service');
  assert.equal(start.code, 0, start.err);
  await waitFor('monitor on 3 hosts', async () => (await runningOn(c, 'monitor.service')).length === 3, 30_000);
  await waitFor('3 hosts report monitor', async () => (await c.registry.api.listStates()).filter((s) => s.name === 'monitor.service').length === 3, 30_000);

  const status = await fleetctl('status', 'monitor.service');
  assert.equal(status.code, 0, status.err);
  const headers = status.out.split('\n').filter((l) => l.startsWith('● monitor.service on '));
  const hosts = [...c.hosts].sort((a, b) => a.machineId.localeCompare(b.machineId));
  assert.deepEqual(headers, hosts.map((h) => `● monitor.service on ${h.machineId.slice(0, 8)}.../${h.publicIp}`));
  assert.equal(status.out.match(/Active: active \(running\)/g)?.length, 3, status.out);

  const target = c.hosts[1]!;
  const markerOf = (id: string) => `marker-${id}`;
  const journal = await waitFor('marker in the journal', async () => {
    const r = await fleetctl('journal', '--machine', target.machineId.slice(0, 8), 'monitor.service');
    return r.code === 0 && r.out.includes(markerOf(target.machineId)) ? r : undefined;
  }, 20_000);
  assert.equal(journal.err, '');
  assert.doesNotMatch(journal.out, /● monitor\.service on/, 'one host: no header');
  for (const other of c.hosts.filter((h) => h !== target)) assert.ok(!journal.out.includes(markerOf(other.machineId)), 'only that host\'s journal');

  assert.deepEqual(await fleetctl('journal', '--machine', 'nothex!', 'monitor.service'), {
    code: 1,
    out: '',
    err: 'invalid machine ID "nothex!": expected a machine ID of up to 32 hex digits, or a prefix of one\n',
  });
  assert.deepEqual(await fleetctl('status', '--machine', 'ffffffffff', 'monitor.service'), {
    code: 1,
    out: '',
    err: 'no machine in the cluster has an ID starting with "ffffffffff"\n',
  });
  assert.deepEqual(await fleetctl('journal', '-f', 'monitor.service'), {
    code: 1,
    out: '',
    err: 'Cannot follow global unit monitor.service on several machines at once: pick one with --machine ID.\n',
  });
});

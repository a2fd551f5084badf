/**
 * fleetctl behaviours where this fleet deliberately differs from CoreOS
 * fleet, on a sandbox cluster (real etcd, systemd, fleetd): missing units
 * make stop/unload/destroy fail unless --ignore-missing; the quick start's
 * printed commands run `fleetctl` and `fleetd` as plain commands;
 * `fleetctl explain` says where units run or why not.
 */
import { after, before } from 'node:test';
import { resetAfterFailure } from '../support/cluster-reset.js';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SandboxCluster } from '../../src/sandbox/cluster.js';
import { demoHints } from '../../src/sandbox/demo-hints.js';
import { activeState, runningOn } from '../support/cluster-probes.js';
import { runFleetctl, type FleetctlRun } from '../support/run-fleetctl.js';
import { waitFor } from '../support/wait.js';
import { rawRequest } from '../unit/api/harness.js';

let c: SandboxCluster;
// A failing test resets the shared cluster, so the next one starts clean.
const test = resetAfterFailure(() => c);
let dir: string;

function fleetctl(...args: string[]): Promise<FleetctlRun> {
  return runFleetctl(['--endpoint', `unix://${c.hosts[0]!.apiSocket}`, ...args], { cwd: dir, timeoutMs: 60_000 });
}

before(async () => {
  c = await SandboxCluster.start({ hosts: 2, label: 'fp' });
  await waitFor('machines registered', async () => (await c.registry.api.listMachines()).length === 2, 20_000);
  dir = mkdtempSync(join(tmpdir(), 'fleetctl-parity-'));
  for (const n of ['a', 'b', 'c']) writeFileSync(join(dir, `${n}.service`), '[Service]\nExecStart=/bin/sleep 100000\n');
});

after(async () => {
  await c?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('stop / unload / destroy with missing units: exit 1 naming them, existing ones still acted on; --ignore-missing', async () => {
  const start = await fleetctl('start', 'a.service', 'b.service', 'c.service');
  assert.equal(start.code, 0, start.err);
  const [aHost] = await waitFor('a running', async () => ((await runningOn(c, 'a.service')).length === 1 ? runningOn(c, 'a.service') : undefined), 20_000);

  const stop = await fleetctl('stop', 'a.service', 'nosuch.service');
  assert.equal(stop.code, 1);
  assert.match(stop.out, /^Unit a\.service loaded on [0-9a-f]{8}\.\.\.\/127\.0\.0\.\d+\n$/);
  assert.equal(stop.err, 'Unit nosuch.service not found\nSuccessfully stopped units [a.service].\n');
  assert.equal(await activeState(c, c.hosts[aHost!]!, 'a.service'), 'inactive', 'a.service was stopped in systemd');

  assert.deepEqual(await fleetctl('stop', '--ignore-missing', 'a.service', 'nosuch.service'), { code: 0, out: '', err: 'Successfully stopped units [a.service].\n' });

  const unload = await fleetctl('unload', 'nosuch.service', 'b.service');
  assert.deepEqual(unload, { code: 1, out: 'Unit b.service inactive\n', err: 'Unit nosuch.service not found\nSuccessfully unloaded units [b.service].\n' });
  assert.deepEqual(await runningOn(c, 'b.service'), [], 'b.service was unloaded');

  assert.deepEqual(await fleetctl('destroy', 'c.service', 'nosuch.service', 'other.service'), {
    code: 1,
    out: 'Destroyed c.service\n',
    err: 'Unit nosuch.service not found\nUnit other.service not found\n',
  });
  assert.equal(await c.registry.api.getUnit('c.service'), undefined);
  assert.deepEqual(await fleetctl('destroy', '--ignore-missing', 'c.service'), { code: 0, out: '', err: '' }, 'idempotent');
  assert.deepEqual(await fleetctl('destroy', 'c.service'), { code: 1, out: '', err: 'Unit c.service not found\n' });
});

test('help documents --ignore-missing', async () => {
  for (const cmd of ['stop', 'unload', 'destroy']) {
    const help = await fleetctl('help', cmd);
    assert.match(help.out, /--ignore-missing/, cmd);
  }
});

test('the demo\'s printed commands work verbatim: fleetctl and fleetd are plain commands on the printed PATH', () => {
  const root = fileURLToPath(new URL('../../../', import.meta.url));
  const endpoint = `unix://${c.hosts[1]!.apiSocket}`;
  const hints = demoHints({ root, endpoint, etcdEndpoint: c.etcd.endpoints[0]! }).map((l) => l.trim());
  assert.deepEqual(hints.filter((l) => /\bnode\b|dist\//.test(l)), [], 'no `node dist/...` in the hints');
  const [exportPath, exportEndpoint, listUnits, , , etcdListMachines] = hints;
  assert.match(exportPath!, /^export PATH=\S+\/bin:\$PATH$/);
  // A shell whose PATH has node but not this checkout's bin/: the printed lines must be enough.
  const script = [exportPath, exportEndpoint, 'command -v fleetctl', 'command -v fleetd', listUnits, `${etcdListMachines} --no-legend`, 'fleetd --version'].join('\n');
  const r = spawnSync('/bin/sh', ['-ec', script], { cwd: dir, env: { PATH: `${dirname(process.execPath)}:/usr/bin:/bin` }, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.split('\n');
  assert.deepEqual(lines.slice(0, 2), [join(root, 'bin', 'fleetctl'), join(root, 'bin', 'fleetd')]);
  assert.match(r.stdout, /^UNIT\t+MACHINE\t+ACTIVE\t+SUB$/m);
  for (const h of c.hosts) assert.match(r.stdout, new RegExp(`^${h.machineId.slice(0, 8)}\\.\\.\\.\\t${h.publicIp.replace(/\./g, '\\.')}\\t`, 'm'));
  assert.match(r.stdout, /^fleetd version \d+\.\d+\.\d+$/m);
});

test('explain: where a unit runs, or why not with per-filter counts and an example machine; exit 0 only when all are placed', async () => {
  writeFileSync(join(dir, 'placed.service'), '[Service]\nExecStart=/bin/sleep 100000\n');
  writeFileSync(join(dir, 'nowhere.service'), '[Service]\nExecStart=/bin/sleep 100000\n\n[X-Fleet]\nMachineMetadata=region=mars\n');
  const start = await fleetctl('start', 'placed.service');
  assert.equal(start.code, 0, start.err);
  const host = c.hosts.find((h) => start.out.includes(h.machineId.slice(0, 8)))!;
  const legend = `${host.machineId.slice(0, 8)}.../${host.publicIp}`;
  assert.deepEqual(await fleetctl('explain', 'placed.service'), { code: 0, out: `placed.service: runs on ${legend}\n`, err: '' });

  assert.equal((await fleetctl('load', '--no-block', 'nowhere.service')).code, 0);
  const r = await waitFor('the engine explains nowhere.service', async () => {
    const run = await fleetctl('explain', 'nowhere.service');
    return run.out.includes('eligible') ? run : undefined;
  }, 30_000);
  assert.equal(r.code, 1);
  const [first, ...rest] = c.hosts.map((h) => h.machineId).sort();
  assert.equal(rest.length, 1);
  assert.equal(
    r.out,
    'nowhere.service: not placed: 0 of 2 machines eligible: 2 by MachineMetadata (region=mars)\n' +
      `  MachineMetadata: 2 machines (region=mars), e.g. ${first}: ${r.out.split(`e.g. ${first}: `)[1]!.trimEnd()}\n`,
  );
  assert.match(r.out, new RegExp(`e\\.g\\. ${first}: .*region`), 'the example names a machine and the requirement');

  const mixed = await fleetctl('explain', 'placed.service', 'nowhere.service', 'nosuch');
  assert.equal(mixed.code, 1);
  assert.match(mixed.out, /^placed\.service: runs on .*\nnowhere\.service: not placed: /);
  assert.equal(mixed.err, 'Unit nosuch.service not found\n');

  const json = await fleetctl('explain', '-o', 'json', 'nowhere.service');
  assert.equal(json.code, 1);
  const api = await rawRequest(c.hosts[0]!.apiSocket, 'GET', '/fleet/v1/units/nowhere.service/explain');
  assert.deepEqual(JSON.parse(json.out), api.json);
  assert.equal((api.json as { status: string }).status, 'unschedulable');
});

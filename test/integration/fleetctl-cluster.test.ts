import { after, before } from 'node:test';
import { resetAfterFailure } from '../support/cluster-reset.js';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SandboxCluster } from '../../src/sandbox/cluster.js';
import { waitFor } from '../support/wait.js';
import { runFleetctl, type FleetctlRun } from '../support/run-fleetctl.js';

// The real fleetctl binary against a sandbox cluster (real etcd, systemd, fleetd).
let c: SandboxCluster;
// A failing test resets the shared cluster, so the next one starts clean.
const test = resetAfterFailure(() => c);
let dir: string;
let endpoint: string;

function fleetctl(...args: string[]): Promise<FleetctlRun> {
  return runFleetctl(['--endpoint', endpoint, ...args], { cwd: dir, timeoutMs: 60_000 });
}

const legend = (i: number): string => `${c.hosts[i]!.machineId.slice(0, 8)}.../${c.hosts[i]!.publicIp}`;
const hostOf = (machinePrefix: string): number => c.hosts.findIndex((h) => h.machineId.startsWith(machinePrefix));

before(async () => {
  c = await SandboxCluster.start({ hosts: 2, metadata: (i) => `role=${['a', 'b'][i]}` });
  await waitFor('machines registered', async () => (await c.registry.api.listMachines()).length === 2, 20_000);
  endpoint = `unix://${c.hosts[0]!.apiSocket}`;
  dir = mkdtempSync(join(tmpdir(), 'fleetctl-e2e-'));
  writeFileSync(join(dir, 'hello.service'), '[Unit]\nDescription=Hello\n\n[Service]\nExecStart=/bin/sh -c "while true; do echo hello-out; sleep 1; done"\n');
  writeFileSync(join(dir, 'tpl@.service'), '[Service]\nExecStart=/bin/sleep 1000\n');
  writeFileSync(join(dir, 'bad.service'), '[Service]\nExecStart=/bin/true\n\n[X-Fleet]\nGlobal=true\nMachineID=abc\n');
  writeFileSync(join(dir, 'we{ird.service'), '[Service]\nExecStart=/bin/true\n');
});

after(async () => {
  await c?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('submit, list-unit-files, load, start, list-units, cat', async () => {
  assert.deepEqual(await fleetctl('submit', 'hello.service'), { code: 0, out: 'Unit hello.service submitted\n', err: '' });
  const files = await fleetctl('list-unit-files');
  assert.equal(files.code, 0);
  assert.match(files.out, /^UNIT\t\tHASH\tDSTATE\t\tSTATE\t\tTARGET\nhello\.service\t[0-9a-f]{7}\tinactive\tinactive\t-\n$/);

  const load = await fleetctl('load', 'hello.service');
  assert.equal(load.code, 0, load.err);
  const m = /^Unit hello\.service loaded on ([0-9a-f]{8})\.\.\.\/127\.0\.0\.\d+\n$/.exec(load.out);
  assert.ok(m, load.out);
  const i = hostOf(m[1]!);
  assert.equal(load.out, `Unit hello.service loaded on ${legend(i)}\n`);

  assert.deepEqual(await fleetctl('start', 'hello.service'), { code: 0, out: `Unit hello.service launched on ${legend(i)}\n`, err: '' });
  assert.equal((await c.systemctl(c.hosts[i]!, 'is-active', 'hello.service')).trim(), 'active');
  assert.deepEqual(await fleetctl('list-units'), { code: 0, out: `UNIT\t\tMACHINE\t\t\tACTIVE\tSUB\nhello.service\t${legend(i)}\tactive\trunning\n`, err: '' });
  assert.deepEqual(await fleetctl('cat', 'hello.service'), {
    code: 0,
    out: '[Unit]\nDescription=Hello\n\n[Service]\nExecStart=/bin/sh -c "while true; do echo hello-out; sleep 1; done"\n',
    err: '',
  });
});

test('list-machines (table and json)', async () => {
  const sorted = [...c.hosts].sort((a, b) => (a.machineId < b.machineId ? -1 : 1));
  const rows = sorted.map((h) => `${h.machineId.slice(0, 8)}...\t${h.publicIp}\trole=${['a', 'b'][h.index]}\n`).join('');
  assert.deepEqual(await fleetctl('list-machines'), { code: 0, out: `MACHINE\t\tIP\t\tMETADATA\n${rows}`, err: '' });
  const json = await fleetctl('list-machines', '-o', 'json');
  const machines = JSON.parse(json.out) as Array<Record<string, unknown> & { resources: { capacity: Record<string, number>; allocatable: Record<string, number> } }>;
  for (const m of machines) assert.ok(m.resources.capacity['cpu']! > 0 && m.resources.allocatable['memory']! > 0, 'detected capacity published');
  assert.deepEqual(machines.map(({ resources: _, ...rest }) => rest), sorted.map((h) => ({ machine: h.machineId, ip: h.publicIp, metadata: { role: ['a', 'b'][h.index] } })));
  const cpu = await fleetctl('list-machines', '--no-legend', '--fields', 'machine,cpu,memory');
  assert.match(cpu.out, /^[0-9a-f]{8}\.\.\.\t[\d.]+\/[\d.]+\t[\d.]+[KMGT]?\/[\d.]+[KMGT]\n/, cpu.out);
});

test('status and journal show systemd output from the unit\'s host, through any host\'s API', async () => {
  for (const h of c.hosts) {
    endpoint = `unix://${h.apiSocket}`;
    const status = await fleetctl('status', 'hello.service');
    assert.equal(status.code, 0, status.err);
    assert.match(status.out, /hello\.service - Hello\n[\s\S]*Active: active \(running\)/);
  }
  endpoint = `unix://${c.hosts[0]!.apiSocket}`;
  await waitFor('three lines of output in the journal', async () => ((await fleetctl('journal', '--lines', '3', 'hello.service')).out.match(/hello-out/g) ?? []).length === 3);
  const journal = await fleetctl('journal', '-n', '2', 'hello.service');
  assert.equal(journal.code, 0, journal.err);
  // journalctl may add a "-- Journal begins ..." style header line; count the entries.
  const entries = journal.out.split('\n').filter((l) => /sh\[\d+\]: hello-out/.test(l));
  assert.equal(entries.length, 2, journal.out);
});

test('stop, stop again, unload, and stopping an inactive unit', async () => {
  const stop = await fleetctl('stop', 'hello.service');
  assert.equal(stop.code, 0);
  assert.match(stop.out, /^Unit hello\.service loaded on [0-9a-f]{8}\.\.\.\/127\.0\.0\.\d+\n$/);
  assert.equal(stop.err, 'Successfully stopped units [hello.service].\n');
  assert.deepEqual(await fleetctl('stop', 'hello.service'), { code: 0, out: '', err: 'Successfully stopped units [hello.service].\n' });
  assert.deepEqual(await fleetctl('unload', 'hello.service'), { code: 0, out: 'Unit hello.service inactive\n', err: 'Successfully unloaded units [hello.service].\n' });
  assert.deepEqual(await fleetctl('stop', 'hello.service'), { code: 1, out: '', err: 'Unable to stop unit hello.service in state inactive\n' });
});

test('template instances from a local template file, restart, --fields --full', async () => {
  const start = await fleetctl('start', 'tpl@1.service', 'tpl@2');
  assert.equal(start.code, 0, start.err);
  // Units are waited on concurrently, so the "launched" lines come in completion order.
  const lines = start.out.split('\n');
  assert.deepEqual(lines.slice(0, 2), ['Unit tpl@1.service inactive', 'Unit tpl@2.service inactive']);
  assert.deepEqual(lines.slice(2).map((l) => l.replace(/ on .*/, '')).sort(), ['', 'Unit tpl@1.service launched', 'Unit tpl@2.service launched']);
  const pidBefore = await waitFor('tpl@1 pid', async () => {
    for (const h of c.hosts) {
      const pid = Number((await c.systemctl(h, 'show', '-p', 'MainPID', '--value', 'tpl@1.service')).trim());
      if (pid > 0) return { h, pid };
    }
    return undefined;
  });
  const restart = await fleetctl('restart', 'tpl@1.service');
  assert.equal(restart.code, 0, restart.err);
  assert.match(restart.out, /^Unit tpl@1\.service loaded on .+\nUnit tpl@1\.service launched on .+\n$/);
  const pidAfter = Number((await c.systemctl(pidBefore.h, 'show', '-p', 'MainPID', '--value', 'tpl@1.service')).trim());
  assert.ok(pidAfter > 0 && pidAfter !== pidBefore.pid, 'restarted: new main pid');
  const full = await fleetctl('list-units', '--fields', 'unit,hash,load', '--full', '--no-legend');
  assert.match(full.out, /^tpl@1\.service\t[0-9a-f]{40}\tloaded\ntpl@2\.service\t[0-9a-f]{40}\tloaded\n$/);
});

test('destroy removes units from systemd and the registry', async () => {
  assert.deepEqual(await fleetctl('destroy', 'hello.service', 'tpl@1.service', 'tpl@2.service'), {
    code: 0,
    out: 'Destroyed hello.service\nDestroyed tpl@1.service\nDestroyed tpl@2.service\n',
    err: '',
  });
  assert.deepEqual(await fleetctl('list-units', '--no-legend'), { code: 0, out: '', err: '' });
  for (const h of c.hosts) assert.equal((await c.systemctl(h, 'show', '-p', 'LoadState', '--value', 'tpl@1.service')).trim(), 'not-found');
});

test('bad input: clear message on stderr, non-zero exit, nothing created', async () => {
  const cases: Array<[string[], string]> = [
    [['start', 'nope.service'], 'Error creating units: unable to find Unit(nope.service) in Registry or on filesystem\n'],
    [['start', 'bad.service'], 'Error creating units: failed getting Unit(bad.service) from file: MachineID cannot be used with Global\n'],
    [['start', 'we{ird.service'], 'Error creating units: invalid unit name "we{ird.service": invalid character \'{\' in unit name\n'],
    [['status', 'missing.service'], 'Unit missing.service does not exist.\n'],
    [['journal', 'missing.service'], 'Unit missing.service does not exist.\n'],
    [['cat', 'missing.service'], 'Unit missing.service not found\n'],
    [['bogus-cmd'], "error: unknown command 'bogus-cmd'\n"],
    [['list-units', '--bogus'], "error: unknown option '--bogus'\n"],
    [['list-units', '--fields', 'unit,nope'], 'Invalid key in output format: "nope"\n'],
  ];
  for (const [args, stderr] of cases) {
    const r = await fleetctl(...args);
    assert.equal(r.code, 1, `${args.join(' ')}: exit code`);
    assert.equal(r.err, stderr, args.join(' '));
  }
  assert.deepEqual(await c.registry.api.listUnits(), [], 'nothing was created');
});

test('version and help', async () => {
  assert.match((await fleetctl('version')).out, /^fleetctl version \d+\.\d+\.\d+\n$/);
  const help = await fleetctl('help');
  assert.equal(help.code, 0);
  assert.match(help.out, /COMMANDS:[\s\S]*list-units/);
});

test('/metrics reports engine, agent and D-Bus activity from a real fleetd', async () => {
  const { request } = await import('node:http');
  const texts = await Promise.all(
    c.hosts.map(
      (h) =>
        new Promise<string>((resolve, reject) => {
          const req = request({ socketPath: h.apiSocket, path: '/metrics' }, (res) => {
            let body = '';
            res.on('data', (d: Buffer) => (body += d.toString()));
            res.on('end', () => resolve(body));
          });
          req.on('error', reject);
          req.end();
        }),
    ),
  );
  const all = texts.join('\n');
  assert.match(all, /^fleet_engine_task_count_total\{type="schedule"\} [1-9]/m);
  assert.match(all, /^fleet_agent_task_count_total\{type="start",result="success"\} [1-9]/m);
  assert.match(all, /^fleet_dbus_call_count_total\{method="StartUnit",result="success"\} [1-9]/m);
  assert.match(all, /^fleet_dbus_call_count_total\{method="ListUnitsByNames",result="success"\} [1-9]/m);
});

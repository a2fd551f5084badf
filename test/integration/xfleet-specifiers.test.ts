/**
 * Templates with specifiers in [X-Fleet] on a sandbox cluster (real etcd,
 * systemd, fleetd): the template is accepted, each instance is placed by its
 * own expansion (submit, load, start and the HTTP API), and an instance whose
 * expansion is invalid is refused with a message naming it.
 */
import { after, before } from 'node:test';
import { resetAfterFailure } from '../support/cluster-reset.js';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SandboxCluster } from '../../src/sandbox/cluster.js';
import { runningOn } from '../support/cluster-probes.js';
import { runFleetctl, type FleetctlRun } from '../support/run-fleetctl.js';
import { waitFor } from '../support/wait.js';
import { opts, rawRequest } from '../unit/api/harness.js';

let c: SandboxCluster;
// A failing test resets the shared cluster, so the next one starts clean.
const test = resetAfterFailure(() => c);
let dir: string;

/** Every specifier has a metadata key on host i whose value is its expansion for `all@h<i>.service`. */
const metadata = (i: number): string => `host=h${i},unit=all@h${i}.service,base=all@h${i},pfx=all,upfx=all,pct=100%`;

function fleetctl(...args: string[]): Promise<FleetctlRun> {
  return runFleetctl(['--endpoint', `unix://${c.hosts[0]!.apiSocket}`, ...args], { cwd: dir, timeoutMs: 60_000 });
}

const legend = (i: number): string => `${c.hosts[i]!.machineId.slice(0, 8)}.../${c.hosts[i]!.publicIp}`;
const runsOn = (unit: string, hosts: number[]) => waitFor(`${unit} running on ${hosts.join(',')}`, async () => JSON.stringify(await runningOn(c, unit)) === JSON.stringify(hosts), 20_000);
const sleeper = (xfleet: string): string => `[Service]\nExecStart=/bin/sleep 100000\n\n[X-Fleet]\n${xfleet}\n`;

before(async () => {
  c = await SandboxCluster.start({ hosts: 3, metadata, label: 'xs' });
  await waitFor('machines registered', async () => (await c.registry.api.listMachines()).length === 3, 20_000);
  dir = mkdtempSync(join(tmpdir(), 'xfleet-spec-'));
  writeFileSync(join(dir, 'ms@.service'), sleeper('MachineMetadata=host=%i'));
  writeFileSync(join(dir, 'all@.service'), sleeper('MachineMetadata="host=%I" "unit=%n" "base=%N" "pfx=%p" "upfx=%P" "pct=100%%"'));
  writeFileSync(join(dir, 'pin@.service'), sleeper('MachineID=%i'));
  writeFileSync(join(dir, 'side@.service'), sleeper('MachineOf=ms@%I.service'));
  writeFileSync(join(dir, 'spread@.service'), sleeper('Conflicts=%P@*.service'));
  writeFileSync(join(dir, 'old@.service'), sleeper('MachineMetadata=host=h0 host=h1'));
  writeFileSync(join(dir, 'new@.service'), sleeper('Replaces=old@%i.service'));
  writeFileSync(join(dir, 'bad@.service'), sleeper('MachineMetadata=%i'));
});

after(async () => {
  await c?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('submit: a template whose [X-Fleet] values use %i is accepted', async () => {
  assert.deepEqual(await fleetctl('submit', 'ms@.service'), { code: 0, out: 'Unit ms@.service submitted\n', err: '' });
});

test('start: each instance runs on the machine its own %i names (template from the registry)', async () => {
  const r = await fleetctl('start', 'ms@h2.service', 'ms@h0.service');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, new RegExp(`Unit ms@h2\\.service launched on ${legend(2).replace(/\./g, '\\.')}\\n`));
  assert.match(r.out, new RegExp(`Unit ms@h0\\.service launched on ${legend(0).replace(/\./g, '\\.')}\\n`));
  await runsOn('ms@h2.service', [2]);
  await runsOn('ms@h0.service', [0]);
});

test('start: %n %N %p %P %I and %% in MachineMetadata, from a local template file', async () => {
  const r = await fleetctl('start', 'all@h1.service');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /Unit all@h1\.service launched on /);
  await runsOn('all@h1.service', [1]);
});

test('load: MachineID=%i loads the instance on the machine it names', async () => {
  const unit = `pin@${c.hosts[1]!.machineId}.service`;
  const r = await fleetctl('load', unit);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, new RegExp(`Unit pin@[0-9a-f]+\\.service loaded on ${legend(1).replace(/\./g, '\\.')}\\n`));
});

test('MachineOf=ms@%I.service follows its peer; Conflicts=%P@*.service spreads the instances', async () => {
  const side = await fleetctl('start', 'side@h2.service');
  assert.equal(side.code, 0, side.err);
  await runsOn('side@h2.service', [2]);
  const spread = await fleetctl('start', 'spread@1.service', 'spread@2.service', 'spread@3.service');
  assert.equal(spread.code, 0, spread.err);
  const hosts = await waitFor('three spread instances running', async () => {
    const on = await Promise.all(['spread@1.service', 'spread@2.service', 'spread@3.service'].map((u) => runningOn(c, u)));
    return on.every((h) => h.length === 1) ? on.map((h) => h[0]!) : undefined;
  }, 20_000);
  assert.deepEqual([...hosts].sort(), [0, 1, 2], 'one instance per machine');
});

test('Replaces=old@%i.service takes the machine of its own instance of old@', async () => {
  const old = await fleetctl('start', 'old@a.service');
  assert.equal(old.code, 0, old.err);
  const [oldHost] = await waitFor('old@a running', async () => {
    const on = await runningOn(c, 'old@a.service');
    return on.length === 1 ? on : undefined;
  }, 20_000);
  const r = await fleetctl('start', 'new@a.service');
  assert.equal(r.code, 0, r.err);
  await runsOn('new@a.service', [oldHost!]);
  await runsOn('old@a.service', [oldHost === 0 ? 1 : 0]);
});

test('API: a template with %i is created, its instances placed by their own expansion', async () => {
  const sock = c.hosts[0]!.apiSocket;
  const put = (name: string, body: object) =>
    rawRequest(sock, 'PUT', `/fleet/v1/units/${encodeURIComponent(name)}`, { body: JSON.stringify({ name, ...body }), headers: { 'Content-Type': 'application/json' } });
  const options = opts(['Service', 'ExecStart', '/bin/sleep 100000'], ['X-Fleet', 'MachineMetadata', 'host=%i']);
  assert.equal((await put('api@.service', { desiredState: 'inactive', options })).status, 201);
  assert.equal((await put('api@h1.service', { desiredState: 'launched', options })).status, 201);
  await runsOn('api@h1.service', [1]);

  const bad = await put('api@x.service', { desiredState: 'launched', options: opts(['Service', 'ExecStart', '/bin/sleep 1'], ['X-Fleet', 'MachineMetadata', '%i']) });
  assert.equal(bad.status, 400);
  assert.deepEqual(bad.json, {
    error: { code: 400, message: 'MachineMetadata value "x" ("%i" expanded for api@x.service) is not of the form "key=value" (several pairs: k1=v1 k2=v2)' },
  });
  assert.equal(await c.registry.api.getUnit('api@x.service'), undefined, 'nothing created');
});

test('bad input: an instance whose expansion is invalid fails naming the instance, nothing created', async () => {
  assert.deepEqual(await fleetctl('submit', 'bad@.service'), { code: 0, out: 'Unit bad@.service submitted\n', err: '' });
  const r = await fleetctl('start', 'bad@h1.service', 'ms@h1.service');
  assert.equal(r.code, 1);
  assert.equal(r.out, '');
  assert.equal(
    r.err,
    'Error creating units: failed getting Unit(bad@h1.service) from template: MachineMetadata value "h1" ("%i" expanded for bad@h1.service) is not of the form "key=value" (several pairs: k1=v1 k2=v2)\n',
  );
  assert.equal(await c.registry.api.getUnit('bad@h1.service'), undefined);
  assert.equal(await c.registry.api.getUnit('ms@h1.service'), undefined, 'the whole batch is refused');
});

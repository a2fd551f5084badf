import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeCluster, fleetctl, unitDir } from './support/cluster.js';

const WEB = '[Unit]\nDescription=web\n\n[Service]\nExecStart=/bin/sleep 1000\n';
const TEMPLATE = '[Service]\nExecStart=/bin/echo %i\n';

async function populated(): Promise<FakeCluster> {
  const c = new FakeCluster();
  const dir = unitDir({ 'web.service': WEB, 'job@.service': TEMPLATE, 'idle.service': WEB });
  assert.equal((await fleetctl(c, ['submit', join(dir, 'web.service'), join(dir, 'job@.service'), join(dir, 'idle.service')])).code, 0);
  assert.equal((await fleetctl(c, ['start', '--no-block', 'web.service', 'job@1.service'])).code, 0);
  writeFileSync(join(dir, 'p.json'), '{"strategy":"binpack"}');
  assert.equal((await fleetctl(c, ['policy', 'set', join(dir, 'p.json')])).code, 0);
  return c;
}

function scratch(): string {
  return mkdtempSync(join(tmpdir(), 'fleet-export-'));
}

test('fleetctl export + import: an empty cluster gets the same units, bodies, desired states and policy back', async () => {
  const src = await populated();
  const dir = join(scratch(), 'backup');
  const exported = await fleetctl(src, ['export', dir]);
  assert.deepEqual(exported, { code: 0, out: `Exported 4 units and the placement policy to ${dir}\n`, err: '' });
  assert.deepEqual(readdirSync(join(dir, 'units')).sort(), ['idle.service', 'job@.service', 'job@1.service', 'web.service']);
  assert.equal(readFileSync(join(dir, 'units', 'web.service'), 'utf8'), (await fleetctl(src, ['cat', 'web.service'])).out);

  const dst = new FakeCluster();
  const imported = await fleetctl(dst, ['import', dir]);
  assert.equal(imported.code, 0, imported.err);
  assert.equal(
    imported.out,
    'Placement policy set\nUnit job@.service imported (inactive)\nUnit idle.service imported (inactive)\nUnit job@1.service imported (launched)\nUnit web.service imported (launched)\nImported 4 of 4 units\n',
  );
  const view = async (c: FakeCluster) => (await c.registry.api.listUnits()).map((u) => [u.unit.name, u.unit.hash, u.desired]);
  assert.deepEqual(await view(dst), await view(src));
  assert.equal(await dst.registry.api.getPolicy(), await src.registry.api.getPolicy());

  // Exporting again into the same directory is allowed and gives the same bytes; a removed unit's file goes.
  const before = readFileSync(join(dir, 'fleet-export.json'), 'utf8');
  assert.equal((await fleetctl(dst, ['export', dir])).code, 0);
  assert.equal(readFileSync(join(dir, 'fleet-export.json'), 'utf8'), before);
  assert.equal((await fleetctl(dst, ['destroy', '--no-block', 'idle.service'])).code, 0);
  assert.equal((await fleetctl(dst, ['export', dir])).code, 0);
  assert.deepEqual(readdirSync(join(dir, 'units')).sort(), ['job@.service', 'job@1.service', 'web.service']);
});

test('fleetctl import: a cluster with units is refused (nothing written) unless --force, which leaves other units alone', async () => {
  const src = await populated();
  const dir = join(scratch(), 'b');
  assert.equal((await fleetctl(src, ['export', dir])).code, 0);
  const dst = new FakeCluster();
  const d = unitDir({ 'other.service': WEB, 'web.service': '[Service]\nExecStart=/bin/sleep 5\n' });
  assert.equal((await fleetctl(dst, ['submit', join(d, 'other.service'), join(d, 'web.service')])).code, 0);
  const refused = await fleetctl(dst, ['import', dir]);
  assert.deepEqual(refused, {
    code: 1,
    out: '',
    err: 'Error: the cluster already has 2 units (other.service, web.service); import restores into an empty cluster. Add --force to import anyway.\n',
  });
  assert.deepEqual((await dst.registry.api.listUnits()).map((u) => u.unit.name), ['other.service', 'web.service']);
  assert.equal(await dst.registry.api.getPolicy(), undefined);

  const forced = await fleetctl(dst, ['import', '--force', dir]);
  assert.equal(forced.code, 0, forced.err);
  assert.match(forced.out, /Unit web\.service replaced \(launched\)\n/);
  const units = new Map((await dst.registry.api.listUnits()).map((u) => [u.unit.name, u]));
  assert.deepEqual([...units.keys()], ['idle.service', 'job@.service', 'job@1.service', 'other.service', 'web.service']);
  assert.equal(units.get('web.service')!.desired, 'launched');
  assert.equal(units.get('web.service')!.unit.hash, (await src.registry.api.getUnit('web.service'))!.unit.hash);

  const again = await fleetctl(dst, ['import', '--force', dir]);
  assert.deepEqual(again, { code: 0, out: 'Placement policy set\nImported 0 of 0 units (4 unchanged)\n', err: '' });
});

test('fleetctl import: a broken export prints every problem and writes nothing', async () => {
  const dir = scratch();
  mkdirSync(join(dir, 'units'));
  writeFileSync(join(dir, 'fleet-export.json'), JSON.stringify({ format: 'fleet-export/1', units: { 'a.service': 'launched', 'b.service': 'on' } }));
  writeFileSync(join(dir, 'units', 'a.service'), '[Service]\nExecStart=/bin/true\n');
  writeFileSync(join(dir, 'units', 'b.service'), '[Service]\nExecStart=/bin/true\n');
  writeFileSync(join(dir, 'policy.json'), '{"enforce":"yes"}');
  const c = new FakeCluster();
  const r = await fleetctl(c, ['import', dir]);
  assert.deepEqual(r, {
    code: 1,
    out: '',
    err:
      `Error in export ${dir}: fleet-export.json: unit b.service: desired state "on" is not one of inactive, loaded, launched\n` +
      `Error in export ${dir}: policy.json: invalid policy: enforce "yes" must be true or false\n`,
  });
  assert.deepEqual(await c.registry.api.listUnits(), []);
  assert.equal((await fleetctl(c, ['import', join(dir, 'missing')])).err.startsWith(`Error reading export ${join(dir, 'missing')}: `), true);
  assert.equal((await fleetctl(c, ['import'])).code, 1);
});

test('fleetctl export: refuses a non-empty directory that is not an export', async () => {
  const c = await populated();
  const dir = scratch();
  writeFileSync(join(dir, 'notes.txt'), 'mine');
  const r = await fleetctl(c, ['export', dir]);
  assert.deepEqual(r, { code: 1, out: '', err: `Error writing export ${dir}: ${dir} is not empty and holds no fleet-export.json: refusing to write into it\n` });
  assert.deepEqual(readdirSync(dir), ['notes.txt']);
});

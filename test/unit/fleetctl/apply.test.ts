/**
 * `fleetctl apply` against the in-memory cluster (etcd driver) and, for the
 * membership round trip, the HTTP API: create, change, prune, dry run,
 * idempotence, validation before any write, and never pruning units the set
 * did not create.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FakeCluster, HELLO, M1, fleetctl, unitDir } from './support/cluster.js';
import { HttpFleetClient } from '../../../fleetctl/client/http-client.js';
import { startHarness } from '../api/harness.js';
import { optionsHash, shortHash } from '../../../src/units/index.js';

const WEB = '[Service]\nExecStart=/bin/sleep 1000\n';
const WEB2 = '[Service]\nExecStart=/bin/sleep 2000\n';
const TPL = '[Service]\nExecStart=/bin/sleep %i\n';

/** A directory named `name` holding `files`. */
function setDir(name: string, files: Record<string, string>): string {
  const dir = join(unitDir({}), name);
  mkdirSync(dir);
  for (const [f, text] of Object.entries(files)) writeFileSync(join(dir, f), text);
  return dir;
}

async function cluster(): Promise<FakeCluster> {
  const c = new FakeCluster();
  await c.addMachine(M1, '172.17.8.101');
  return c;
}

/** Every key in the registry with its mod revision. */
async function keys(c: FakeCluster): Promise<string[]> {
  return (await c.registry.kv.list(c.registry.layout.prefix)).kvs.map((kv) => `${kv.key}@${kv.modRevision}`);
}

const h = (text: string): string => shortHash(optionsHash([{ section: 'Service', name: 'ExecStart', value: text.split('=')[1]!.trim() }]));

test('first apply creates every unit launched (templates inactive) and records them in the set', async () => {
  const c = await cluster();
  const dir = setDir('web', { 'web.service': WEB, 'tpl@.service': TPL, 'tpl@1.service': '', 'README.md': 'ignored' });
  const r = await fleetctl(c, ['apply', dir]);
  assert.equal(r.err, '');
  assert.equal(r.code, 0);
  const lines = r.out.split('\n');
  assert.match(lines[0]!, /^\+ tpl@\.service [0-9a-f]{7} \(inactive\)$/);
  assert.match(lines[1]!, /^\+ tpl@1\.service [0-9a-f]{7} \(launched\)$/);
  assert.equal(lines[2], `+ web.service ${h(WEB)} (launched)`);
  assert.equal(lines[3], 'apply set web: 3 to create, 0 to change, 0 unchanged');
  assert.deepEqual(lines.slice(4), ['Unit tpl@.service created (inactive)', 'Unit tpl@1.service created (launched)', 'Unit web.service created (launched)', 'apply set web: applied', '']);
  const units = await c.client.listUnits();
  assert.deepEqual(units.map((u) => `${u.name} ${u.desiredState}`), ['tpl@.service inactive', 'tpl@1.service launched', 'web.service launched']);
  assert.equal(units[1]!.options[0]!.value, '/bin/sleep %i', 'the empty instance file took its template\'s body');
  assert.deepEqual(await c.client.listApplySets(), [{ name: 'web', units: ['tpl@.service', 'tpl@1.service', 'web.service'] }]);
});

test('a second apply of the same directory writes nothing and says so', async () => {
  const c = await cluster();
  const dir = setDir('web', { 'web.service': WEB, 'tpl@.service': TPL, 'tpl@1.service': '' });
  assert.equal((await fleetctl(c, ['apply', dir])).code, 0);
  const before = await keys(c);
  const r = await fleetctl(c, ['apply', dir]);
  assert.deepEqual(r, { code: 0, out: 'apply set web: 0 to create, 0 to change, 3 unchanged\nnothing to do\n', err: '' });
  assert.deepEqual(await keys(c), before);
});

test('a changed body is replaced in place, keeping the unit; the diff names the options that differ', async () => {
  const c = await cluster();
  const dir = setDir('web', { 'web.service': WEB, 'db.service': HELLO });
  assert.equal((await fleetctl(c, ['apply', dir])).code, 0);
  writeFileSync(join(dir, 'web.service'), `${WEB2}\n[X-Fleet]\nMachineID=${M1}\n`);
  writeFileSync(join(dir, 'db.service'), `${HELLO}\n[X-Fleet]\nDesiredState=loaded\n`);
  const r = await fleetctl(c, ['apply', dir]);
  assert.equal(r.code, 0, r.err);
  const web = (await c.client.getUnit('web.service'))!;
  const newWeb = shortHash(optionsHash(web.options));
  const lines = r.out.split('\n');
  assert.match(lines[0]!, /^~ db\.service [0-9a-f]{7} -> [0-9a-f]{7}: \[X-Fleet\] DesiredState added; state launched -> loaded$/);
  assert.equal(lines[1], `~ web.service ${h(WEB)} -> ${newWeb}: [Service] ExecStart changed, [X-Fleet] MachineID added`);
  assert.equal(lines[2], 'apply set web: 0 to create, 2 to change, 0 unchanged');
  assert.deepEqual(lines.slice(3), ['Unit db.service replaced (loaded)', 'Unit web.service replaced', 'apply set web: applied', '']);
  assert.equal(web.desiredState, 'launched');
  assert.equal((await c.client.getUnit('db.service'))!.desiredState, 'loaded');
  assert.equal((await fleetctl(c, ['apply', dir])).out.endsWith('nothing to do\n'), true);
});

test('--prune destroys only units this set created; without it they are shown and kept', async () => {
  const c = await cluster();
  const dir = setDir('web', { 'a.service': WEB, 'b.service': WEB });
  assert.equal((await fleetctl(c, ['apply', dir])).code, 0);
  // Made by hand, and by another set: never pruned by "web".
  const other = setDir('other', { 'o.service': WEB });
  assert.equal((await fleetctl(c, ['apply', other])).code, 0);
  assert.equal((await fleetctl(c, ['submit', join(unitDir({ 'hand.service': WEB }), 'hand.service')])).code, 0);
  rmSync(join(dir, 'b.service'));

  const kept = await fleetctl(c, ['apply', dir]);
  assert.deepEqual(kept, {
    code: 0,
    out: `- b.service ${h(WEB)} (kept: --prune destroys it)\napply set web: 0 to create, 0 to change, 1 no longer in the set (kept without --prune), 1 unchanged\nnothing to do\n`,
    err: '',
  });
  const pruned = await fleetctl(c, ['apply', '--prune', dir]);
  assert.deepEqual(pruned, {
    code: 0,
    out: `- b.service ${h(WEB)}\napply set web: 0 to create, 0 to change, 1 to prune, 1 unchanged\nUnit b.service destroyed\napply set web: applied\n`,
    err: '',
  });
  assert.deepEqual((await c.client.listUnits()).map((u) => u.name), ['a.service', 'hand.service', 'o.service']);
  assert.deepEqual(await c.client.listApplySets(), [{ name: 'other', units: ['o.service'] }, { name: 'web', units: ['a.service'] }]);
});

test('--dry-run prints the diff and changes no key', async () => {
  const c = await cluster();
  const dir = setDir('web', { 'a.service': WEB, 'b.service': WEB });
  assert.equal((await fleetctl(c, ['apply', dir])).code, 0);
  rmSync(join(dir, 'b.service'));
  writeFileSync(join(dir, 'a.service'), WEB2);
  writeFileSync(join(dir, 'c.service'), WEB);
  const before = await keys(c);
  const r = await fleetctl(c, ['apply', '--dry-run', '--prune', dir]);
  assert.equal(r.code, 0, r.err);
  assert.deepEqual(r.out.split('\n').map((l) => l.slice(0, 2)), ['~ ', '- ', '+ ', 'ap', 'dr', '']);
  assert.match(r.out, /dry run: nothing written\n$/);
  assert.deepEqual(await keys(c), before);
});

test('an invalid file anywhere in the set writes nothing and names file, line and option', async () => {
  const c = await cluster();
  const dir = setDir('web', {
    'a.service': WEB,
    'bad.service': '[Service]\nExecStart=/bin/true\nthis is not an option\n',
    'c.service': `${WEB}\n[X-Fleet]\nGlobal=true\nMachineID=${M1}\n`,
    'd.service': `${WEB}\n[X-Fleet]\nDesiredState=running\n`,
    'f@.service': `${WEB}\n[X-Fleet]\nRolloutMaxParallel=0\nRolloutHealthyDeadline=\\\n  soon\nConflicts=[\n`,
    'e@.service': `${WEB}\n[X-Fleet]\nDesiredState=launched\n`,
  });
  const before = await keys(c);
  const r = await fleetctl(c, ['apply', dir]);
  assert.equal(r.code, 1);
  assert.equal(r.out, '');
  assert.equal(
    r.err,
    [
      `Error: ${dir}/bad.service: line 3: expected "Name=Value", a [Section] header or a comment, found "this is not an option"`,
      `Error: ${dir}/c.service: MachineID cannot be used with Global`,
      `Error: ${dir}/d.service: line 5: DesiredState value "running" is not one of inactive, loaded, launched`,
      `Error: ${dir}/f@.service: line 8: Conflicts pattern "[" is not a valid glob; line 5: RolloutMaxParallel value "0" is not an integer >= 1; line 6: RolloutHealthyDeadline value "\\\\\\n  soon" is not a duration (examples: 10s, 1m30s, 5m, or a number of seconds)`,
      '',
    ].join('\n'),
  );
  assert.deepEqual(await keys(c), before);
});

test('a unit another set created is refused before any write', async () => {
  const c = await cluster();
  assert.equal((await fleetctl(c, ['apply', setDir('one', { 'a.service': WEB })])).code, 0);
  const before = await keys(c);
  const r = await fleetctl(c, ['apply', setDir('two', { 'a.service': WEB2, 'b.service': WEB })]);
  assert.deepEqual(r, { code: 1, out: '', err: 'Error: a.service was created by apply set one, not two: apply it with --set one, or destroy it first\n' });
  assert.deepEqual(await keys(c), before);
});

test('set names: --set, the directory of the files, several directories need --set, bad names refused', async () => {
  const c = await cluster();
  const dir = setDir('Web_1', { 'a.service': WEB });
  assert.match((await fleetctl(c, ['apply', join(dir, 'a.service')])).out, /^\+ a\.service .*\napply set Web_1:/);
  assert.match((await fleetctl(c, ['apply', '--set', 'x', dir])).err, /a\.service was created by apply set Web_1, not x/);
  const other = setDir('two', { 'b.service': WEB });
  assert.deepEqual(await fleetctl(c, ['apply', dir, other]), { code: 1, out: '', err: 'Error: the files are in several directories: name the apply set with --set NAME\n' });
  assert.deepEqual(await fleetctl(c, ['apply', '--set', '-x', other]), {
    code: 1,
    out: '',
    err: 'Error: invalid --set "-x": may contain only letters, digits, "_", "." and "-", and must start with a letter or digit\n',
  });
  assert.match((await fleetctl(c, ['apply', setDir('bad name', { 'b.service': WEB })])).err, /the directory name "bad name" cannot name an apply set .*: name it with --set NAME/);
  assert.deepEqual(await fleetctl(c, ['apply', join(dir, 'nope')]), { code: 1, out: '', err: `Error: ${join(dir, 'nope')}: no such file or directory\n` });
  assert.match((await fleetctl(c, ['apply', setDir('empty', {})])).err, /no unit files in this directory/);
});

test('symlinked instances, --state, -o json', async () => {
  const c = await cluster();
  const dir = setDir('tpl', { 'tpl@.service': TPL });
  symlinkSync('tpl@.service', join(dir, 'tpl@a.service'));
  const r = await fleetctl(c, ['apply', '--state', 'loaded', '-o', 'json', dir]);
  assert.equal(r.code, 0, r.err);
  const doc = JSON.parse(r.out) as { set: string; changes: Array<{ op: string; name: string; desired: string }>; applied: unknown[] };
  assert.equal(doc.set, 'tpl');
  assert.deepEqual(doc.changes.map((x) => `${x.op} ${x.name} ${x.desired}`), ['create tpl@.service inactive', 'create tpl@a.service loaded']);
  assert.deepEqual(doc.applied, [{ unit: 'tpl@.service', action: 'create', ok: true }, { unit: 'tpl@a.service', action: 'create', ok: true }]);
  assert.equal((await c.client.getUnit('tpl@a.service'))!.options[0]!.value, '/bin/sleep %i');
  assert.match((await fleetctl(c, ['apply', '--state', 'running', dir])).err, /invalid state "running"/);
});

test('through the HTTP API: membership is written with the unit and listed by GET /sets', async (t) => {
  const harness = await startHarness();
  t.after(() => harness.stop());
  const http = new HttpFleetClient({ endpoint: { kind: 'unix', socketPath: harness.socket }, idleTimeoutMs: 5000 });
  const c = await cluster();
  const dir = setDir('api', { 'a.service': WEB, 'b.service': WEB });
  assert.equal((await fleetctl(c, ['apply', dir], { client: http })).code, 0);
  assert.deepEqual(await http.listApplySets(), [{ name: 'api', units: ['a.service', 'b.service'] }]);
  rmSync(join(dir, 'b.service'));
  const r = await fleetctl(c, ['apply', '--prune', dir], { client: http });
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /Unit b\.service destroyed/);
  assert.deepEqual(await http.listApplySets(), [{ name: 'api', units: ['a.service'] }]);
  assert.deepEqual((await http.listUnits()).map((u) => u.name), ['a.service']);
});

test('a changed template goes through a rollout (settings from the file, then flags); --no-block returns after starting it', async () => {
  const c = await cluster();
  const dir = setDir('tpl', { 'tpl@.service': TPL, 'tpl@1.service': '', 'tpl@2.service': '', 'web.service': WEB });
  assert.equal((await fleetctl(c, ['apply', dir])).code, 0);
  writeFileSync(join(dir, 'tpl@.service'), `${TPL.replace('%i', '1%i')}\n[X-Fleet]\nRolloutMaxParallel=2\nRolloutMinHealthyTime=1s\n`);
  writeFileSync(join(dir, 'web.service'), WEB2);
  const before = await keys(c);
  const dry = await fleetctl(c, ['apply', '--dry-run', dir]);
  assert.equal(dry.code, 0, dry.err);
  assert.match(dry.out, /^~ tpl@\.service [0-9a-f]{7} -> [0-9a-f]{7}: \[Service\] ExecStart changed, \[X-Fleet\] RolloutMaxParallel added, \[X-Fleet\] RolloutMinHealthyTime added; through a rollout\n~ tpl@1\.service .*; in the rollout of tpl@\.service\n~ tpl@2\.service .*; in the rollout of tpl@\.service\n~ web\.service [0-9a-f]{7} -> [0-9a-f]{7}: \[Service\] ExecStart changed\n/);
  assert.deepEqual(await keys(c), before, 'a dry run starts no rollout');

  const bad = await fleetctl(c, ['apply', '--min-healthy-time', '1m', '--healthy-deadline', '30s', dir]);
  assert.deepEqual([bad.code, bad.out, bad.err], [1, '', `Error: ${dir}/tpl@.service: healthy deadline (30s) must be longer than min healthy time (1m0s)\n`]);
  assert.deepEqual(await keys(c), before, 'refused before any write');

  const r = await fleetctl(c, ['apply', '--no-block', '--healthy-deadline', '30s', dir]);
  assert.equal(r.code, 0, r.err);
  const lines = r.out.split('\n');
  assert.deepEqual(lines.slice(4), ['apply set tpl: 0 to create, 4 to change, 0 unchanged', lines[5]!, 'Unit web.service replaced', 'apply set tpl: applied; a rollout goes on (fleetctl rollout status)', '']);
  assert.match(lines[5]!, /^Rollout of tpl@\.service started: [0-9a-f]{7} -> [0-9a-f]{7}, 2 at a time, healthy after 1s, deadline 30s$/);
  const { record: stored, modRevision } = (await c.registry.api.getRollout('tpl@.service'))!;
  assert.deepEqual([stored.phase, stored.settings], ['pending', { maxParallel: 2, minHealthyTimeMs: 1000, healthyDeadlineMs: 30_000, autoRevert: false }]);
  assert.deepEqual((await c.client.listUnits()).filter((u) => u.name.startsWith('tpl@')).map((u) => u.options[0]!.value), ['/bin/sleep %i', '/bin/sleep %i', '/bin/sleep %i'], 'the records keep the old text until the engine finishes the rollout');
  assert.equal((await c.client.getUnit('web.service'))!.options[0]!.value, '/bin/sleep 2000', 'an ordinary unit is replaced in place');

  const again = await fleetctl(c, ['apply', '--no-block', dir]);
  assert.equal(again.code, 0, again.err);
  assert.match(again.out, /^~ tpl@\.service .*; through a rollout \(under way\)\n~ tpl@1\.service .*; in the rollout of tpl@\.service \(under way\)\n~ tpl@2\.service .*\napply set tpl: 0 to create, 3 to change, 1 unchanged\nnothing to write; tpl@\.service: rollout under way\napply set tpl: applied; a rollout goes on \(fleetctl rollout status\)\n$/);
  assert.equal((await c.registry.api.getRollout('tpl@.service'))!.modRevision, modRevision, 'the rollout under way was left alone');
});

test('a blocking apply follows the rollouts it started and exits 1 when one fails; -o json says how each ended', async () => {
  const c = await cluster();
  const dir = setDir('tpl', { 'tpl@.service': TPL, 'tpl@1.service': '' });
  assert.equal((await fleetctl(c, ['apply', dir])).code, 0);
  writeFileSync(join(dir, 'tpl@.service'), TPL.replace('%i', '1%i'));
  // Stands in for the engine leader: the rollout fails on the first poll.
  const tick = c.tick.bind(c);
  c.tick = async () => {
    await tick();
    const s = await c.registry.api.getRollout('tpl@.service');
    if (s !== undefined && s.record.phase === 'pending') await c.registry.api.updateRollout({ ...s.record, phase: 'failed', message: 'batch 0 failed: tpl@1.service failed' }, s.modRevision);
  };
  const r = await fleetctl(c, ['apply', dir]);
  assert.equal(r.code, 1);
  assert.match(r.out, /Rollout of tpl@\.service started: .*\ntpl@\.service: pending, 0\/0 updated\ntpl@\.service: failed, 0\/0 updated\napply set tpl: 1 of 1 rollouts did not finish\n$/);
  assert.equal(r.err, 'Rollout of tpl@.service failed: batch 0 failed: tpl@1.service failed\n');

  await c.registry.api.updateRollout({ ...(await c.registry.api.getRollout('tpl@.service'))!.record, phase: 'reverted' }, (await c.registry.api.getRollout('tpl@.service'))!.modRevision);
  writeFileSync(join(dir, 'tpl@.service'), TPL.replace('%i', '2%i'));
  const json = await fleetctl(c, ['apply', '-o', 'json', dir]);
  assert.equal(json.code, 1);
  const doc = JSON.parse(json.out) as { applied: unknown[]; rollouts: unknown[] };
  assert.deepEqual(doc.applied, [{ unit: 'tpl@.service', action: 'rollout', ok: true }]);
  assert.deepEqual(doc.rollouts, [{ group: 'tpl@.service', phase: 'failed', message: 'batch 0 failed: tpl@1.service failed', ok: false }]);
});

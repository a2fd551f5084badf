import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FakeCluster, HELLO, M1, M2, fleetctl, unitDir } from './support/cluster.js';

async function cluster(): Promise<FakeCluster> {
  const c = new FakeCluster();
  await c.addMachine(M1, '172.17.8.101', { az: 'us-west-1a' });
  await c.addMachine(M2, '172.17.8.102', { az: 'us-west-1b' });
  return c;
}

test('submit creates the unit inactive and says so', async () => {
  const c = await cluster();
  const dir = unitDir({ 'hello.service': HELLO });
  const r = await fleetctl(c, ['submit', join(dir, 'hello.service')]);
  assert.deepEqual(r, { code: 0, out: 'Unit hello.service submitted\n', err: '' });
  const u = await c.client.getUnit('hello.service');
  assert.equal(u?.desiredState, 'inactive');
  assert.deepEqual(await fleetctl(c, ['submit', join(dir, 'hello')]), { code: 0, out: '', err: '' }, 'idempotent; .service appended to the path');
});

test('submit without units, or with a missing file, fails', async () => {
  const c = await cluster();
  assert.deepEqual(await fleetctl(c, ['submit']), { code: 1, out: '', err: 'No units given\n' });
  const dir = unitDir({});
  assert.deepEqual(await fleetctl(c, ['submit', join(dir, 'nope.service')]), {
    code: 1,
    out: '',
    err: 'Error creating units: unable to find Unit(nope.service) in Registry or on filesystem\n',
  });
});

test('an invalid [X-Fleet] combination or name creates nothing, not even the good units', async () => {
  const c = await cluster();
  const dir = unitDir({ 'good.service': HELLO, 'bad.service': `${HELLO}\n[X-Fleet]\nMachineID=${M1}\nGlobal=true\n` });
  const r = await fleetctl(c, ['submit', join(dir, 'good.service'), join(dir, 'bad.service')]);
  assert.deepEqual(r, { code: 1, out: '', err: 'Error creating units: failed getting Unit(bad.service) from file: MachineID cannot be used with Global\n' });
  const r2 = await fleetctl(c, ['start', join(dir, 'good.service'), 'foo@1.mount']);
  assert.deepEqual(r2, { code: 1, out: '', err: 'Error creating units: invalid unit name "foo@1.mount": invalid unit type for template: "mount"\n' });
  assert.deepEqual(await c.client.listUnits(), []);
});

test('start creates, schedules and waits for launched and systemd active', async () => {
  const c = await cluster();
  const dir = unitDir({ 'hello.service': HELLO });
  const r = await fleetctl(c, ['start', join(dir, 'hello.service')]);
  assert.deepEqual(r, { code: 0, out: 'Unit hello.service inactive\nUnit hello.service launched on 113f16a7.../172.17.8.101\n', err: '' });
  assert.deepEqual(await fleetctl(c, ['start', 'hello']), { code: 0, out: '', err: '' }, 'already launched: nothing to do');
});

test('start --no-block triggers once (fleet printed it twice)', async () => {
  const c = await cluster();
  const dir = unitDir({ 'hello.service': HELLO });
  const r = await fleetctl(c, ['start', '--no-block', join(dir, 'hello.service')]);
  assert.deepEqual(r, { code: 0, out: 'Unit hello.service inactive\nTriggered unit hello.service start\n', err: '' });
  assert.equal(c.ticks, 0, 'never polled');
});

test('load waits for loaded', async () => {
  const c = await cluster();
  const dir = unitDir({ 'hello.service': HELLO });
  const r = await fleetctl(c, ['load', join(dir, 'hello.service')]);
  assert.deepEqual(r, { code: 0, out: 'Unit hello.service inactive\nUnit hello.service loaded on 113f16a7.../172.17.8.101\n', err: '' });
});

test('global units are triggered with a sensible creation line', async () => {
  const c = await cluster();
  const dir = unitDir({ 'g.service': `${HELLO}\n[X-Fleet]\nGlobal=true\n` });
  const r = await fleetctl(c, ['start', join(dir, 'g.service')]);
  assert.deepEqual(r, { code: 0, out: 'Unit g.service inactive\nTriggered global unit g.service start\n', err: '' });
});

test('templates: instances come from the local template, else the registry one; templates cannot be started', async () => {
  const c = await cluster();
  const dir = unitDir({ 'web@.service': HELLO });
  const r = await fleetctl(c, ['start', join(dir, 'web@1.service')]);
  assert.deepEqual(r, { code: 0, out: 'Unit web@1.service inactive\nUnit web@1.service launched on 113f16a7.../172.17.8.101\n', err: '' });
  assert.equal((await fleetctl(c, ['submit', join(dir, 'web@.service')])).code, 0);
  const elsewhere = unitDir({});
  const r2 = await fleetctl(c, ['load', '--no-block', join(elsewhere, 'web@2.service')]);
  assert.deepEqual(r2, { code: 0, out: 'Unit web@2.service inactive\nTriggered unit web@2.service load\n', err: '' });
  const r3 = await fleetctl(c, ['start', join(dir, 'web@.service')]);
  assert.deepEqual(r3, { code: 1, out: '', err: 'Error starting units: cannot activate template "web@.service"\n' });
  const r4 = await fleetctl(c, ['start', join(elsewhere, 'db@1.service')]);
  assert.deepEqual(r4, { code: 1, out: '', err: 'Error creating units: unable to find template Unit(db@.service) in Registry or on filesystem\n' });
});

test('an unschedulable unit times out after N windows and says why', async () => {
  const c = await cluster();
  const dir = unitDir({ 'eu.service': `${HELLO}\n[X-Fleet]\nMachineMetadata=region=eu\n` });
  const r = await fleetctl(c, ['start', '--block-attempts=2', join(dir, 'eu.service')]);
  const why = '0 of 2 machines eligible: 2 by MachineMetadata (region=eu)';
  assert.equal(r.code, 1);
  assert.equal(r.out, 'Unit eu.service inactive\n');
  assert.equal(
    r.err,
    `Still waiting for unit eu.service: ${why}\n` +
      `Error waiting for units: timed out waiting for unit eu.service to report state launched (${why})\n` +
      'Error waiting for unit states, exit status: 1\n',
  );
  assert.equal(c.ticks, 16, '2 windows of 8 polls');
});

test('start waits for systemd to report active, bounded by the same attempts', async () => {
  const c = await cluster();
  c.behaviour.set('slow.service', 'activating');
  const dir = unitDir({ 'slow.service': HELLO });
  const r = await fleetctl(c, ['start', '--block-attempts=1', join(dir, 'slow.service')]);
  assert.deepEqual(r, {
    code: 1,
    out: 'Unit slow.service inactive\nUnit slow.service launched on 113f16a7.../172.17.8.101\n',
    err:
      'Error waiting for systemd unit states, err: Failed to find an active unit slow.service within 8ms (state loaded/activating/dead)\n' +
      'Error waiting for unit states, exit status: 1\n',
  });
});

test('--replace swaps the body in place and keeps the desired state', async () => {
  const c = await cluster();
  const dir = unitDir({ 'hello.service': HELLO });
  const path = join(dir, 'hello.service');
  await fleetctl(c, ['start', path]);
  const before = (await c.registry.api.getUnit('hello.service'))!.unit.hash;
  writeFileSync(path, HELLO.replace('Hello World', 'Hello Again'));
  const warn = await fleetctl(c, ['start', path]);
  assert.deepEqual(warn, { code: 0, out: '', err: `WARNING: Unit hello.service in registry differs from local unit file ${path}. Add --replace to override.\n` });
  const refused = await fleetctl(c, ['submit', '--replace', path]);
  assert.deepEqual(refused, { code: 0, out: '', err: "Warning: can not replace Unit(hello.service) in state 'launched', use the appropriate command\n" });
  const r = await fleetctl(c, ['start', '--replace', path]);
  assert.deepEqual(r, { code: 0, out: 'Unit hello.service replaced\nUnit hello.service launched on 113f16a7.../172.17.8.101\n', err: '' });
  const after = await c.registry.api.getUnit('hello.service');
  assert.notEqual(after!.unit.hash, before);
  assert.equal(after!.desired, 'launched', 'not reset to inactive as fleet did');
  const states = await c.client.listUnitStates({ unitName: 'hello.service' });
  assert.equal(states[0]!.hash, after!.unit.hash, 'waited for the new body to run');
  assert.deepEqual(await fleetctl(c, ['start', '--replace', path]), { code: 0, out: 'Found same Unit(hello.service) in Registry, nothing to do\n', err: '' });
});

test('a progress line is drawn only on a terminal', async () => {
  const c = await cluster();
  const dir = unitDir({ 'hello.service': HELLO });
  const r = await fleetctl(c, ['start', join(dir, 'hello.service')], { tty: true });
  assert.equal(r.code, 0);
  assert.match(r.out, /\r\x1b\[KWaiting for hello\.service \(launched\)\.\.\. 0s/);
  assert.ok(r.out.endsWith('Unit hello.service launched on 113f16a7.../172.17.8.101\n'));
  assert.ok(!r.out.includes('Waiting for hello.service (launched)... 0s Unit'), 'progress cleared before the result line');
});

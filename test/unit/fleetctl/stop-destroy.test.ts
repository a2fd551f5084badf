import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { FakeCluster, HELLO, M1, fleetctl, unitDir } from './support/cluster.js';
import type { FleetClient } from '../../../fleetctl/client/types.js';

const LEGEND = '113f16a7.../172.17.8.101';

async function running(...names: string[]): Promise<FakeCluster> {
  const c = new FakeCluster();
  await c.addMachine(M1, '172.17.8.101');
  if (names.length === 0) return c;
  const dir = unitDir(Object.fromEntries(names.map((n) => [n, HELLO])));
  const r = await fleetctl(c, ['start', ...names.map((n) => join(dir, n))]);
  assert.equal(r.code, 0, r.err);
  return c;
}

test('stop waits for loaded and reports success on stderr', async () => {
  const c = await running('a.service', 'b.service');
  const r = await fleetctl(c, ['stop', 'a', 'b.service']);
  assert.deepEqual(r, { code: 0, out: `Unit a.service loaded on ${LEGEND}\nUnit b.service loaded on ${LEGEND}\n`, err: 'Successfully stopped units [a.service b.service].\n' });
  assert.equal((await c.client.getUnit('a.service'))?.currentState, 'loaded');
});

test('stop refuses an inactive unit before changing anything', async () => {
  const c = await running('a.service');
  const dir = unitDir({ 'idle.service': HELLO });
  await fleetctl(c, ['submit', join(dir, 'idle.service')]);
  const r = await fleetctl(c, ['stop', 'a.service', 'idle.service']);
  assert.deepEqual(r, { code: 1, out: '', err: 'Unable to stop unit idle.service in state inactive\n' });
  assert.equal((await c.client.getUnit('a.service'))?.desiredState, 'launched');
});

test('stop / unload / destroy of units that do not exist: exit 1 naming each; --ignore-missing makes it idempotent', async () => {
  const c = await running();
  for (const cmd of ['stop', 'unload', 'destroy']) {
    assert.deepEqual(await fleetctl(c, [cmd, 'ghost', 'nosuch.service']), { code: 1, out: '', err: 'Unit ghost.service not found\nUnit nosuch.service not found\n' }, cmd);
    assert.deepEqual(await fleetctl(c, [cmd, '--ignore-missing', 'ghost']), { code: 0, out: '', err: '' }, cmd);
  }
});

test('a mix of existing and missing units: the existing ones are still acted on, exit 1', async () => {
  const c = await running('a.service', 'b.service');
  assert.deepEqual(await fleetctl(c, ['stop', 'a', 'nosuch']), {
    code: 1,
    out: `Unit a.service loaded on ${LEGEND}\n`,
    err: 'Unit nosuch.service not found\nSuccessfully stopped units [a.service].\n',
  });
  assert.equal((await c.client.getUnit('a.service'))?.currentState, 'loaded');
  assert.deepEqual(await fleetctl(c, ['unload', '--ignore-missing', 'nosuch', 'a']), { code: 0, out: 'Unit a.service inactive\n', err: 'Successfully unloaded units [a.service].\n' });
  assert.deepEqual(await fleetctl(c, ['destroy', 'nosuch', 'b']), { code: 1, out: 'Destroyed b.service\n', err: 'Unit nosuch.service not found\n' });
  assert.equal(await c.client.getUnit('b.service'), undefined);
});

test('stop --no-block triggers', async () => {
  const c = await running('a.service');
  assert.deepEqual(await fleetctl(c, ['stop', '--no-block', 'a']), { code: 0, out: 'Triggered unit a.service stop\n', err: 'Successfully stopped units [a.service].\n' });
});

test('unload waits for inactive', async () => {
  const c = await running('a.service');
  const r = await fleetctl(c, ['unload', 'a']);
  assert.deepEqual(r, { code: 0, out: 'Unit a.service inactive\n', err: 'Successfully unloaded units [a.service].\n' });
  assert.deepEqual(await c.client.listUnitStates(), []);
});

test('destroy waits until no machine reports the unit (fleet only waited with --no-block)', async () => {
  const c = await running('a.service');
  const r = await fleetctl(c, ['destroy', 'a']);
  assert.deepEqual(r, { code: 0, out: 'Destroyed a.service\n', err: '' });
  assert.equal(await c.client.getUnit('a.service'), undefined);
  assert.deepEqual(await c.client.listUnitStates(), []);
  assert.deepEqual(await fleetctl(c, ['destroy', 'a']), { code: 1, out: '', err: 'Unit a.service not found\n' });
  assert.deepEqual(await fleetctl(c, ['destroy', '--ignore-missing', 'a']), { code: 0, out: '', err: '' });
});

test('destroy --no-block returns at once; a frozen agent makes a bounded wait fail', async () => {
  const c = await running('a.service', 'b.service');
  c.behaviour.set('a.service', 'frozen');
  const ticks = c.ticks;
  assert.deepEqual(await fleetctl(c, ['destroy', '--no-block', 'b']), { code: 0, out: 'Destroyed b.service\n', err: '' });
  assert.equal(c.ticks, ticks);
  const r = await fleetctl(c, ['destroy', '--block-attempts=1', 'a']);
  assert.deepEqual(r, { code: 1, out: 'Destroyed a.service\n', err: `Error waiting for units: timed out waiting for unit a.service to be removed from ${M1}\n` });
});

test('restart stops (waiting for loaded) then starts', async () => {
  const c = await running('a.service');
  const r = await fleetctl(c, ['restart', 'a']);
  assert.deepEqual(r, { code: 0, out: `Unit a.service loaded on ${LEGEND}\nUnit a.service launched on ${LEGEND}\n`, err: '' });
});

test('restart of an inactive unit is an error; a loaded one is just started', async () => {
  const c = await running('a.service');
  const dir = unitDir({ 'idle.service': HELLO });
  await fleetctl(c, ['submit', join(dir, 'idle.service')]);
  assert.deepEqual(await fleetctl(c, ['restart', 'idle']), { code: 1, out: '', err: 'Unable to restart unit idle.service in state inactive\n' });
  await fleetctl(c, ['stop', 'a']);
  assert.deepEqual(await fleetctl(c, ['restart', 'a']), { code: 0, out: `Unit a.service launched on ${LEGEND}\n`, err: '' });
});

test('restart of a global unit waits on every machine', async () => {
  const c = new FakeCluster();
  await c.addMachine(M1, '172.17.8.101');
  const dir = unitDir({ 'g.service': `${HELLO}\n[X-Fleet]\nGlobal=true\n` });
  await fleetctl(c, ['start', join(dir, 'g.service')]);
  await c.tick();
  const r = await fleetctl(c, ['restart', 'g']);
  assert.deepEqual(r, { code: 0, out: 'Unit g.service loaded on 1 machine\nUnit g.service launched on 1 machine\n', err: '' });
});

test('restart of a global unit that no machine reports on times out and fails (not "launched on 0 machines")', async () => {
  const c = new FakeCluster();
  await c.addMachine(M1, '172.17.8.101');
  const dir = unitDir({ 'g.service': `${HELLO}\n[X-Fleet]\nGlobal=true\nMachineMetadata=region=mars\n` });
  assert.equal((await fleetctl(c, ['submit', join(dir, 'g.service')])).code, 0);
  await c.client.setDesiredState('g.service', 'launched');
  const r = await fleetctl(c, ['restart', '--block-attempts=1', 'g']);
  assert.equal(r.code, 1, JSON.stringify(r));
  assert.equal(r.out, '');
  assert.match(r.err, /timed out waiting for global unit g\.service to report state loaded/);
});

test('a wait never takes a missing current state for the desired one', async () => {
  const c = await running();
  // A server that omits currentState (as fleet's API did for some units).
  const blind: FleetClient = Object.create(c.client, {
    getUnit: { value: async (name: string) => {
      const u = await c.client.getUnit(name);
      if (u === undefined) return undefined;
      const { currentState: _omitted, ...rest } = u;
      return rest;
    } },
  });
  const dir = unitDir({ 'a.service': HELLO });
  const r = await fleetctl(c, ['start', '--block-attempts=1', join(dir, 'a.service')], { client: blind });
  assert.equal(r.code, 1, JSON.stringify(r));
  assert.doesNotMatch(r.out, /launched/);
  assert.match(r.err, /timed out waiting for unit a\.service to report state launched/);
});

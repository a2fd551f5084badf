import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Variant } from '@jellybrick/dbus-next';
import { ManualClock } from '../../../src/clock.js';
import { InvalidUnitNameError } from '../../../src/units/index.js';
import { SystemdTimeoutError, SystemdUnavailableError } from '../../../src/systemd/errors.js';
import { JobWaiter } from '../../../src/systemd/job-waiter.js';
import { plain } from '../../../src/systemd/plain.js';
import { RuntimeLinks } from '../../../src/systemd/runtime-links.js';
import { UnitFileStore } from '../../../src/systemd/unit-files.js';

test('plain() unwraps variants and makes 64-bit values JSON-safe', () => {
  const v = plain([new Variant('t', 1795244017491682n), new Variant('t', 2n ** 64n - 1n), { MainPID: new Variant('u', 42) }, ['x', 3n]]);
  assert.deepEqual(v, [1795244017491682, '18446744073709551615', { MainPID: 42 }, ['x', 3]]);
  assert.doesNotThrow(() => JSON.stringify(v));
});

test('plain() leaves an array with nothing to convert as it is, and copies one that has (the input is never changed)', () => {
  const row = ['a.service', 'A unit', 'loaded', 'active', 'running', '', '/org/freedesktop/systemd1/unit/a_2eservice', 0, '', '/'];
  const rows = [row, [...row]];
  assert.equal(plain(rows), rows, 'a ListUnitsByNames reply: no copy');
  const mixed = ['x', 3n, new Variant('s', 'y')];
  const out = plain(mixed);
  assert.notEqual(out, mixed);
  assert.deepEqual(out, ['x', 3, 'y']);
  assert.equal(mixed[1], 3n, 'the input is left alone');
  const nested = [row, ['z', 4n]];
  const converted = plain(nested) as unknown[];
  assert.equal(converted[0], row, 'unchanged elements are shared');
  assert.deepEqual(converted[1], ['z', 4]);
});

test('job waiter: early and late JobRemoved, timeout, connection loss', async () => {
  const clock = new ManualClock();
  const w = new JobWaiter(clock);
  w.removed('/job/1', 'done'); // signal before the waiter registers
  assert.equal(await w.wait('/job/1', 100, 'a.service'), 'done');
  const late = w.wait('/job/2', 100, 'a.service');
  w.removed('/job/2', 'canceled');
  assert.equal(await late, 'canceled');
  const slow = w.wait('/job/3', 100, 'a.service').catch((e: unknown) => e);
  await clock.advance(100);
  assert.ok((await slow) instanceof SystemdTimeoutError);
  const lost = w.wait('/job/4', 100, 'a.service').catch((e: unknown) => e);
  w.failAll('JobRemoved', new Error('bus gone'));
  assert.ok((await lost) instanceof SystemdUnavailableError);
  assert.equal(clock.pendingTimers(), 0);
});

test('unit file store: atomic 0644 writes, dot-files ignored, missing dir is empty', async () => {
  const root = mkdtempSync(join(tmpdir(), 'fleet-units-'));
  try {
    const store = new UnitFileStore(join(root, 'units'));
    assert.deepEqual(await store.list(), []);
    await store.write('b.service', 'B');
    await store.write('a.service', 'A');
    writeFileSync(join(root, 'units', '.a.service.123.tmp'), 'partial');
    assert.deepEqual(await store.list(), ['a.service', 'b.service']);
    assert.equal(statSync(join(root, 'units', 'a.service')).mode & 0o777, 0o644);
    await store.write('a.service', 'A2');
    assert.equal(await store.read('a.service'), 'A2', 'an existing file is replaced');
    await store.remove('a.service');
    await store.remove('a.service');
    assert.deepEqual(await store.list(), ['b.service']);
    assert.ok(readdirSync(join(root, 'units')).every((f) => f === 'b.service' || f.startsWith('.')));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('runtime links: made in place, replaced atomically, and only symlinks are removed', async () => {
  const root = mkdtempSync(join(tmpdir(), 'fleet-links-'));
  try {
    const links = new RuntimeLinks(join(root, 'systemd', 'user'));
    await links.link('a.service', '/units/a.service');
    assert.equal(readlinkSync(join(root, 'systemd', 'user', 'a.service')), '/units/a.service', 'directory created on demand');
    await links.link('a.service', '/units/v2/a.service');
    assert.equal(readlinkSync(join(root, 'systemd', 'user', 'a.service')), '/units/v2/a.service');
    assert.deepEqual(readdirSync(join(root, 'systemd', 'user')), ['a.service'], 'no temporary link left');
    writeFileSync(join(root, 'systemd', 'user', 'mine.service'), '[Service]\n');
    assert.equal(await links.unlink('mine.service'), false, 'a regular file is not ours');
    assert.equal(await links.unlink('a.service'), true);
    assert.equal(await links.unlink('a.service'), false);
    assert.deepEqual(readdirSync(join(root, 'systemd', 'user')), ['mine.service']);
    await assert.rejects(links.link('../x.service', '/units/x'), InvalidUnitNameError);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

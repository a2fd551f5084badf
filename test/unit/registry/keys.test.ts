import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidNameError } from '../../../src/registry/errors.js';
import { KeyLayout, normalizePrefix } from '../../../src/registry/keys.js';

const L = new KeyLayout();

test('builders place every record under the default prefix', () => {
  assert.equal(L.unit('web@1.service'), '/fleet/units/web@1.service');
  assert.equal(L.desired('a.service'), '/fleet/desired/a.service');
  assert.equal(L.body('0a4d55a8d778e5022fab701977c5d840bbc486d0'), '/fleet/bodies/0a4d55a8d778e5022fab701977c5d840bbc486d0');
  assert.equal(L.machine('m1'), '/fleet/machines/m1');
  assert.equal(L.machineMetadata('m1', 'region'), '/fleet/machine-metadata/m1/region');
  assert.equal(L.schedule('m1', 'a.service'), '/fleet/schedule/m1/a.service');
  assert.equal(L.scheduleOf('m1'), '/fleet/schedule/m1/');
  assert.equal(L.state('a.service', 'm1'), '/fleet/state/a.service/m1');
  assert.equal(L.leader(), '/fleet/engine/leader');
});

test('parse inverts every builder', () => {
  const cases: Array<[string, unknown]> = [
    [L.unit('a.service'), { kind: 'unit', name: 'a.service' }],
    [L.desired('a.service'), { kind: 'desired', name: 'a.service' }],
    [L.body('abc123'), { kind: 'body', hash: 'abc123' }],
    [L.machine('m1'), { kind: 'machine', machineId: 'm1' }],
    [L.machineMetadata('m1', 'k'), { kind: 'machineMetadata', machineId: 'm1', key: 'k' }],
    [L.schedule('m1', 'a.service'), { kind: 'schedule', machineId: 'm1', name: 'a.service' }],
    [L.state('a.service', 'm1'), { kind: 'state', name: 'a.service', machineId: 'm1' }],
    [L.leader(), { kind: 'leader' }],
  ];
  for (const [key, want] of cases) assert.deepEqual(L.parse(key), want, key);
});

test('parse ignores foreign, malformed and too-deep keys', () => {
  for (const key of ['/other/units/a.service', '/fleet/units/', '/fleet/units/a/b', '/fleet/unknown/x', '/fleet/schedule/m1', '/fleet/engine/other', '/fleet/state/a.service/m1/x']) {
    assert.equal(L.parse(key), undefined, key);
  }
});

test('names that could escape their directory are rejected', () => {
  for (const bad of ['', '.', '..', 'a/b', '../x', 'a\0b', 'a b', 'x'.repeat(256)]) {
    assert.throws(() => L.unit(bad), InvalidNameError, JSON.stringify(bad));
    assert.throws(() => L.scheduleOf(bad), InvalidNameError, JSON.stringify(bad));
    assert.throws(() => L.body(bad), InvalidNameError, JSON.stringify(bad));
  }
  assert.throws(() => L.machineMetadata('m1', 'a/b'), InvalidNameError);
  assert.throws(() => L.machine('-m'), InvalidNameError);
});

test("one machine's schedule prefix never contains another's", () => {
  assert.ok(!L.schedule('m10', 'a.service').startsWith(L.scheduleOf('m1')));
  assert.ok(!L.state('a1.service', 'm1').startsWith(L.statesOf('a.service')));
});

test('prefix is normalized and validated', () => {
  assert.equal(normalizePrefix('/x/y'), '/x/y/');
  assert.equal(normalizePrefix('/'), '/');
  assert.equal(new KeyLayout('/custom').unit('a.service'), '/custom/units/a.service');
  for (const bad of ['fleet/', '//', '/a//b/', '/a/../b/']) assert.throws(() => normalizePrefix(bad), InvalidNameError, bad);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { disturbed, violations, type HostView } from '../../../bench/chaos/judge.js';
import { Rng } from '../../../bench/lib/rng.js';
import { chaosWorkload } from '../../../bench/chaos/workload.js';

const A = 'a'.repeat(32);
const B = 'b'.repeat(32);
const host = (machineId: string, active: Record<string, number>, up = true): HostView => ({ machineId, up, active: new Map(Object.entries(active)) });
const intent = { launched: ['x.service'], globals: ['g.service'] };
const reports = (...r: [string, string][]) => r.map(([name, machineId]) => ({ name, machineId, active: true }));

test('converged: each launched unit once, globals everywhere, reports agree', () => {
  const hosts = [host(A, { 'x.service': 10, 'g.service': 11 }), host(B, { 'g.service': 12 })];
  assert.deepEqual(violations(hosts, intent, reports(['x.service', A], ['g.service', A], ['g.service', B])), []);
});

test('a unit running twice, a unit running nowhere, a missing global', () => {
  const twice = [host(A, { 'x.service': 10, 'g.service': 11 }), host(B, { 'x.service': 20 })];
  const v = violations(twice, intent, reports(['x.service', A], ['g.service', A], ['x.service', B]));
  assert.deepEqual(v, ['x.service: running 2 times (aaaaaaaa, bbbbbbbb)', 'g.service: global unit not running on bbbbbbbb']);
  const nowhere = violations([host(A, { 'g.service': 1 })], intent, reports(['g.service', A]));
  assert.deepEqual(nowhere, ['x.service: launched but running nowhere']);
});

test('a powered-off host counts nowhere; registry reports must match systemd', () => {
  const hosts = [host(A, { 'x.service': 10, 'g.service': 11 }), host(B, { 'x.service': 20 }, false)];
  assert.deepEqual(violations(hosts, intent, reports(['x.service', A], ['g.service', A])), []);
  const stale = violations([host(A, { 'x.service': 10, 'g.service': 11 })], intent, [...reports(['g.service', A]), { name: 'x.service', machineId: A, active: false }]);
  assert.deepEqual(stale, ['x.service on aaaaaaaa: registry says not active, systemd disagrees']);
  const unreported = violations([host(A, { 'x.service': 10, 'g.service': 11 })], intent, reports(['g.service', A]));
  assert.deepEqual(unreported, ['x.service on aaaaaaaa: active in systemd, no state report']);
});

test('units on untouched hosts must keep their MainPID and stay put', () => {
  const before = [host(A, { 'x.service': 10 }), host(B, { 'y.service': 20 })];
  assert.deepEqual(disturbed(before, [host(A, { 'x.service': 10 }), host(B, { 'y.service': 21 })], new Set([B])), []);
  assert.deepEqual(disturbed(before, [host(A, { 'x.service': 11 }), host(B, {})], new Set([B])), ['x.service on untouched aaaaaaaa: restarted (MainPID 10 -> 11)']);
  assert.deepEqual(disturbed(before, [host(A, {}), host(B, { 'x.service': 30, 'y.service': 20 })], new Set()), ['x.service on untouched aaaaaaaa: stopped or moved']);
});

test('the generator is seeded and the workload has every kind of unit', () => {
  const draw = (seed: number) => {
    const r = new Rng(seed);
    return Array.from({ length: 5 }, () => r.between(0, 1000));
  };
  assert.deepEqual(draw(7), draw(7));
  assert.notDeepEqual(draw(7), draw(8));
  const w = chaosWorkload(200, 5);
  assert.equal(w.units.length, 200);
  assert.equal(w.globals.length, 2);
  assert.ok(w.units.some((u) => u.text.includes('Conflicts=chaos-web@*')));
  assert.ok(w.units.some((u) => u.text.includes('MachineOf=chaos-app-1.service')));
});

/** Tests of the scheduler's small building blocks: glob index, graph order, load order, applyPlan. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NameIndex } from '../../../src/scheduler/name-index.js';
import { cycles, topologicalOrder } from '../../../src/scheduler/graph.js';
import { LoadOrder } from '../../../src/scheduler/scorers/load-order.js';
import { MinHeap } from '../../../src/scheduler/heap.js';
import { applyPlan } from '../../../src/scheduler/index.js';
import { prepare } from '../../../src/scheduler/prepare.js';
import { machine, snapshot, unit } from './fixtures.js';

test('NameIndex: matches like globMatch, using the literal prefix', () => {
  const idx = new NameIndex(['web@1.service', 'web@2.service', 'web.service', 'db@1.service', 'a/b.service', 'wex.service']);
  assert.deepEqual(idx.match('web@*.service'), ['web@1.service', 'web@2.service']);
  assert.deepEqual(idx.match('*.service'), ['db@1.service', 'web.service', 'web@1.service', 'web@2.service', 'wex.service']);
  assert.deepEqual(idx.match('we?.service'), ['web.service', 'wex.service']);
  assert.deepEqual(idx.match('web.service'), ['web.service']);
  assert.deepEqual(idx.match('missing.service'), []);
  assert.deepEqual(idx.match('[web'), []);
  assert.deepEqual(idx.match('a\\/b.service'), ['a/b.service']);
});

test('NameIndex: positions of the matching names and of one name in the sorted list', () => {
  const idx = new NameIndex(['a.service', 'web@1.service', 'web@2.service', 'wex.service']);
  assert.deepEqual(idx.matchPositions('web@*.service'), [1, 2]);
  assert.deepEqual(idx.matchPositions('wex.service'), [3]);
  assert.equal(idx.position('web@2.service'), 2);
  assert.equal(idx.position('web@3.service'), undefined);
});

test('prepare: the units by name are the active units, first given wins, without inactive ones', () => {
  const first = unit('b.service', { conflicts: ['a*'] });
  const p = prepare(snapshot([machine('m1')], [first, unit('a.service'), unit('c.service', {}, 'inactive'), unit('b.service')]));
  assert.equal(p.units.size, 2);
  assert.deepEqual([...p.units.keys()], ['a.service', 'b.service']);
  assert.equal(p.units.get('b.service')!.requirements, first.requirements);
  assert.equal(p.units.has('c.service'), false);
  assert.equal(p.units.get('missing.service'), undefined);
  const seen: string[] = [];
  p.units.forEach((u, name, map) => {
    assert.equal(u.name, name);
    assert.equal(map, p.units);
    seen.push(name);
  });
  assert.deepEqual(seen, ['a.service', 'b.service']);
  assert.deepEqual(p.units.get('a.service')!.conflictedBy, ['a*']);
});

test('topologicalOrder: leaders first, ties by name, cycles appended in name order', () => {
  const edges = new Map([
    ['z', ['a']],
    ['c', ['d']],
    ['d', ['c']],
  ]);
  assert.deepEqual(topologicalOrder(['a', 'b', 'c', 'd', 'z'], edges), ['b', 'z', 'a', 'c', 'd']);
});

test('cycles: strongly connected components of two or more nodes, sorted', () => {
  const edges = new Map([
    ['a', ['b']],
    ['b', ['c']],
    ['c', ['a']],
    ['d', ['d']],
    ['e', ['f']],
    ['f', ['e']],
  ]);
  assert.deepEqual(cycles(['a', 'b', 'c', 'd', 'e', 'f'], edges), [
    ['a', 'b', 'c'],
    ['e', 'f'],
  ]);
});

test('LoadOrder: walks by load then index, and follows load changes in every class', () => {
  const lo = new LoadOrder(4);
  assert.deepEqual([...lo.walk('*', [0, 1, 2, 3])], [0, 1, 2, 3]);
  assert.deepEqual([...lo.walk('odd', [1, 3])], [1, 3]);
  lo.adjust(1, 2);
  lo.adjust(0, 1);
  assert.deepEqual([...lo.walk('*', [0, 1, 2, 3])], [2, 3, 0, 1]);
  assert.deepEqual([...lo.walk('odd', [1, 3])], [3, 1]);
  lo.adjust(1, -2);
  assert.deepEqual([...lo.walk('*', [0, 1, 2, 3])], [1, 2, 3, 0]);
  assert.equal(lo.load(0), 1);
});

test('MinHeap: pops in ascending order', () => {
  const h = new MinHeap();
  for (const x of [5, 1, 4, 1, 3, 9, 0]) h.push(x);
  const out: number[] = [];
  for (let x = h.pop(); x !== undefined; x = h.pop()) out.push(x);
  assert.deepEqual(out, [0, 1, 1, 3, 4, 5, 9]);
});

test('applyPlan: removes unschedules, adds schedules, drops emptied units, sorts ids', () => {
  const snap = snapshot([machine('A'), machine('B')], [unit('x.service'), unit('g.service', { global: true })], { 'x.service': ['A'], 'g.service': ['B'] });
  const after = applyPlan(snap, {
    decisions: [
      { kind: 'unschedule', unit: 'x.service', machine: 'A', reason: '' },
      { kind: 'schedule', unit: 'g.service', machine: 'A', reason: '' },
    ],
    unplaced: [],
    warnings: [],
  });
  assert.deepEqual([...after.schedule], [['g.service', ['A', 'B']]]);
  assert.deepEqual([...snap.schedule.get('x.service')!], ['A'], 'input untouched');
});

/**
 * The scoring seam: weighted scorers, the normalising ranker (fast path and
 * general path give the order a brute-force sort gives), the Replaces
 * preference as a scorer, the unit signature and capacity passthrough.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planSchedule, createPipeline, type Scorer } from '../../../src/scheduler/index.js';
import { rankCandidates } from '../../../src/scheduler/scorers/ranker.js';
import { leastLoaded } from '../../../src/scheduler/scorers/least-loaded.js';
import { replacesAffinity } from '../../../src/scheduler/scorers/replaces-affinity.js';
import { prepare } from '../../../src/scheduler/prepare.js';
import { candidateList } from '../../../src/scheduler/candidates.js';
import { machine, snapshot, stateFor, summary, unit } from './fixtures.js';

const M = ['A', 'B', 'C', 'D', 'E'].map((id) => machine(id));

/** A dense scorer from a fixed table: machine id -> score. */
function table(name: string, scores: Record<string, number>): Scorer {
  return { name, score: (_u, m, view) => scores[view.machines[m]!.id] ?? 0 };
}

test('leastLoaded: 100 on the emptiest possible machine, 0 on the most loaded, linear in between', () => {
  const { state, unit: u, m } = stateFor(
    snapshot(M, [unit('x.service'), unit('a1.service'), unit('a2.service'), unit('b1.service')], { 'a1.service': ['A'], 'a2.service': ['A'], 'b1.service': ['B'] }),
  );
  const s = (id: string) => leastLoaded.score(u('x.service'), m(id), state);
  assert.deepEqual([s('A'), s('B'), s('C')], [0, 50, 100]);
  const empty = stateFor(snapshot(M, [unit('x.service')]));
  assert.equal(leastLoaded.score(empty.unit('x.service'), empty.m('A'), empty.state), 100, 'nothing placed anywhere: every machine is best');
});

test('ranker: fast path (least-loaded only) walks by load then machine id', () => {
  const { state, unit: u } = stateFor(snapshot(M, [unit('x.service'), unit('a.service'), unit('c.service')], { 'a.service': ['A'], 'c.service': ['C'] }));
  const order = [...rankCandidates(u('x.service'), state.everyMachine, state, [{ scorer: leastLoaded, weight: 1 }])];
  assert.deepEqual(order.map((i) => state.machines[i]!.id), ['B', 'D', 'E', 'A', 'C']);
});

test('ranker: weighted mean of scores, highest first, ties by machine id', () => {
  const { state, unit: u } = stateFor(snapshot(M, [unit('x.service')]));
  const one = table('one', { A: 10, B: 90, C: 50, D: 50, E: 0 });
  const two = table('two', { A: 100, B: 0, C: 50, D: 50, E: 100 });
  // one x3 + two x1: A 130, B 270, C 200, D 200, E 100.
  const order = [...rankCandidates(u('x.service'), state.everyMachine, state, [{ scorer: one, weight: 3 }, { scorer: two, weight: 1 }])];
  assert.deepEqual(order.map((i) => state.machines[i]!.id), ['B', 'C', 'D', 'A', 'E']);
});

test('ranker: a sparse scorer merged into the fast path gives the same order as scoring every machine', () => {
  const snap = snapshot(
    M,
    [unit('v2.service', { replaces: ['v1.service'] }), unit('v1.service'), unit('a1.service'), unit('a2.service'), unit('d1.service')],
    { 'v1.service': ['B'], 'a1.service': ['A'], 'a2.service': ['A'], 'd1.service': ['D'] },
  );
  const { state, unit: u } = stateFor(snap);
  const v2 = u('v2.service');
  for (const weight of [0.5, 1, 10]) {
    const scorers = [{ scorer: leastLoaded, weight: 1 }, { scorer: replacesAffinity, weight }];
    const fast = [...rankCandidates(v2, state.everyMachine, state, scorers)];
    // The same scorers without the fast path: a wrapper is not `leastLoaded` itself.
    const slow = [...rankCandidates(v2, state.everyMachine, state, [{ scorer: { ...leastLoaded }, weight: 1 }, { scorer: replacesAffinity, weight }])];
    const brute = state.machines
      .map((m) => ({ m: m.index, t: scorers.reduce((t, s) => t + s.weight * s.scorer.score(v2, m.index, state), 0) }))
      .sort((a, b) => b.t - a.t || a.m - b.m)
      .map((x) => x.m);
    assert.deepEqual(fast, brute, `fast path, affinity weight ${weight}`);
    assert.deepEqual(slow, brute, `general path, affinity weight ${weight}`);
  }
  // With the default weight the machine of the replaced unit comes first although it is not the least loaded.
  const first = [...rankCandidates(v2, state.everyMachine, state, createPipeline().scorers)][0]!;
  assert.equal(state.machines[first]!.id, 'B');
});

test('ranker: only the candidates are ranked, favoured machines outside them are ignored', () => {
  const { state, unit: u, m } = stateFor(snapshot(M, [unit('v2.service', { replaces: ['v1.service'] }), unit('v1.service')], { 'v1.service': ['B'] }));
  const only = candidateList([m('C'), m('E')]);
  assert.deepEqual([...rankCandidates(u('v2.service'), only, state, createPipeline().scorers)], [m('C'), m('E')]);
});

test('planSchedule: a scorer in the pipeline decides among feasible machines', () => {
  const pipeline = { ...createPipeline(), scorers: [{ scorer: table('prefer-D', { D: 100 }), weight: 1 }] };
  const snap = snapshot(M, [unit('x.service'), unit('y.service', { conflicts: ['x.service'] })]);
  // x goes to D (best score); y conflicts with x, so it takes the next best: A (all 0, lowest id).
  assert.deepEqual(summary(planSchedule(snap, pipeline)), ['+x.service@D', '+y.service@A']);
});

test('signature: covers every requirements field, also ones the scheduler does not know yet', () => {
  const base = unit('a.service');
  const withExtra = (name: string, extra: unknown) => ({ ...unit(name), requirements: { ...base.requirements, resources: extra } as typeof base.requirements });
  const prepared = prepare(
    snapshot(
      [],
      [
        unit('a.service'),
        unit('b.service'),
        withExtra('c.service', new Map([['memory', 512]])),
        withExtra('d.service', new Map([['memory', 1024]])),
        withExtra('e.service', new Map([['memory', 512]])),
      ],
    ),
  );
  const sig = (n: string) => prepared.units.get(n)!.signature;
  assert.equal(sig('a.service'), sig('b.service'));
  assert.notEqual(sig('a.service'), sig('c.service'));
  assert.notEqual(sig('c.service'), sig('d.service'));
  assert.equal(sig('c.service'), sig('e.service'));
});

test('prepare: machine capacity reaches filters and scorers', () => {
  const prepared = prepare(snapshot([{ id: 'B', metadata: {}, capacity: { memoryMiB: 2048 } }, machine('A')], []));
  assert.deepEqual(
    prepared.machines.map((m) => [m.id, m.capacity]),
    [
      ['A', undefined],
      ['B', { memoryMiB: 2048 }],
    ],
  );
});

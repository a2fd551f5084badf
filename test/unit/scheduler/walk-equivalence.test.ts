/**
 * The planner's indexes change speed, never decisions: on generated
 * clusters, over a sequence of passes (from scratch, settled, machines lost,
 * units stopped and added), plans equal those of the simple path.
 * - Conflicts exclusion: ordered walks (least-loaded, spread with requests)
 *   leave out machines the Conflicts filter rejects. The simple path is the
 *   same pipeline with that filter as another object, which the walks do
 *   not recognise, so they visit every machine and the filter rejects them.
 * - Room: after a few machines, a unit with requests ranks only the
 *   machines with room for them when those are few. The simple path has
 *   the Resources filter as another object too, so it never does.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyPlan, createPipeline, parsePolicy, planSchedule } from '../../../src/scheduler/index.js';
import type { Pipeline } from '../../../src/scheduler/pipeline.js';
import type { ClusterSnapshot, MachineSnapshot, UnitSnapshot } from '../../../src/scheduler/types.js';
import { conflictsFilter } from '../../../src/scheduler/filters/conflicts.js';
import { resourcesFilter } from '../../../src/scheduler/filters/resources.js';
import { Rng } from '../../../bench/lib/rng.js';
import { rankCandidates } from '../../../src/scheduler/scorers/ranker.js';
import { req, stateFor } from './fixtures.js';

const G = 1024 ** 3;

/**
 * A cluster where templates conflict with themselves and with each other,
 * some units need metadata, some request resources (`size` times the usual
 * amounts: at 4 the cluster is full and most machines have no room).
 */
function cluster(seed: number, requests: boolean, size = 1): ClusterSnapshot {
  const r = new Rng(seed);
  const machines: MachineSnapshot[] = [];
  const count = r.between(64, 120);
  for (let i = 0; i < count; i++) {
    const metadata: Record<string, string> = { az: r.pick(['a', 'b', 'c']) };
    if (r.chance(0.4)) metadata['disk'] = 'ssd';
    const big = r.chance(0.3);
    machines.push({ id: `m${String(i).padStart(3, '0')}${'f'.repeat(12)}`, metadata, ...(requests ? { capacity: big ? { cpu: 8, memory: 32 * G } : { cpu: 4, memory: 16 * G } } : {}) });
  }
  const units: UnitSnapshot[] = [];
  const resources = () => (requests && r.chance(0.85) ? { resources: { cpu: size * r.pick([0.25, 0.5, 1]), memory: size * r.pick([0.5, 1, 2]) * G } } : {});
  const n = r.between(150, 500);
  for (let i = 0; i < n; i++) {
    const kind = r.int(6);
    if (kind === 0) units.push({ name: `cache@${i}.service`, desiredState: 'launched', requirements: req({ conflicts: ['cache@*.service'], ...resources() }) });
    else if (kind === 1) units.push({ name: `db@${i}.service`, desiredState: 'launched', requirements: req({ conflicts: ['db@*.service', 'cache@1*.service'], metadata: { disk: ['ssd'] }, ...resources() }) });
    else if (kind === 2) units.push({ name: `api-${i}.service`, desiredState: 'launched', requirements: req({ metadata: { az: [r.pick(['a', 'b'])] }, ...resources() }) });
    else if (kind === 3) units.push({ name: `svc-${i % 7}@${i}.service`, desiredState: 'launched', requirements: req({ ...resources() }) });
    else units.push({ name: `job-${i}.service`, desiredState: r.chance(0.1) ? 'loaded' : 'launched', requirements: req({ ...resources() }) });
  }
  return { machines, units, schedule: new Map() };
}

/**
 * `pipeline` with the Conflicts and Resources filters as copies: the same
 * answers, but no walk leaves anything out for Conflicts, and no unit ranks
 * only the machines with room (`select.ts`, `room-index.ts`).
 */
function simple(pipeline: Pipeline): Pipeline {
  return { ...pipeline, filters: pipeline.filters.map((f) => (f === conflictsFilter || f === resourcesFilter ? { ...f } : f)) };
}

/** Plans of both paths over a sequence of passes, each from the previous pass's applied plan. */
function comparePasses(start: ClusterSnapshot, fast: Pipeline, slow: Pipeline, label: string): void {
  let snap = start;
  const step = (pass: string, next: ClusterSnapshot): void => {
    const a = planSchedule(next, fast);
    const b = planSchedule(next, slow);
    assert.deepEqual(a, b, `${label}: ${pass}`);
    snap = applyPlan(next, a);
  };
  step('scratch', snap);
  step('settled', snap);
  step('lost machines', { ...snap, machines: snap.machines.slice(3) });
  const units = snap.units.map((u, i) => (i % 4 === 1 ? { ...u, desiredState: 'inactive' as const } : u));
  for (let i = 0; i < 40; i++) units.push({ ...snap.units[(i * 37) % snap.units.length]!, name: `added-${i}@x.service` });
  step('stopped and added', { ...snap, units });
  step('stopped again', { ...snap, units: snap.units.filter((_, i) => i % 3 !== 0) });
}

test('Conflicts exclusion and room in ordered walks: the same plans as visiting every machine (generated clusters, several passes)', () => {
  const policies: Array<[string, Record<string, unknown> | undefined, boolean, number?]> = [
    ['default, no requests', undefined, false],
    ['spread with requests', { strategy: 'spread' }, true],
    ['spread + spreadBy', { strategy: 'spread', spreadBy: 'az' }, true],
    ['binpack', { strategy: 'binpack' }, true],
    ['spread, full cluster', { strategy: 'spread' }, true, 4],
    ['spread + spreadBy, full cluster', { strategy: 'spread', spreadBy: 'az' }, true, 4],
    ['binpack, full cluster', { strategy: 'binpack' }, true, 4],
  ];
  for (let seed = 1; seed <= 6; seed++) {
    for (const [name, doc, requests, size] of policies) {
      if (size !== undefined && seed > 3) continue;
      const base = cluster(seed, requests, size);
      const policy = doc === undefined ? undefined : parsePolicy(doc);
      const start: ClusterSnapshot = policy === undefined ? base : { ...base, policy };
      const fast = createPipeline(policy, requests);
      comparePasses(start, fast, simple(fast), `seed ${seed} ${name}`);
    }
  }
});

test('a short list of candidates is ranked in the order the whole set is (rankCandidates with only), every strategy', () => {
  const policies: Array<[string, Record<string, unknown> | undefined, boolean]> = [
    ['default, no requests', undefined, false],
    ['spread', { strategy: 'spread' }, true],
    ['spread + spreadBy', { strategy: 'spread', spreadBy: 'az' }, true],
    ['binpack', { strategy: 'binpack' }, true],
  ];
  for (let seed = 1; seed <= 4; seed++) {
    for (const [name, doc, requests] of policies) {
      const base = cluster(seed, requests, 2);
      const policy = doc === undefined ? undefined : parsePolicy(doc);
      const start: ClusterSnapshot = policy === undefined ? base : { ...base, policy };
      const settled = applyPlan(start, planSchedule(start));
      const { state, unit } = stateFor(settled);
      const { scorers } = createPipeline(policy, requests);
      const r = new Rng(seed * 31);
      for (const u of settled.units.filter((_, i) => i % 9 === 0)) {
        const pu = unit(u.name);
        const whole = [...rankCandidates(pu, state.everyMachine, state, scorers)];
        const only = state.machines.map((m) => m.index).filter(() => r.chance(0.3));
        const kept = new Set(only);
        assert.deepEqual([...rankCandidates(pu, state.everyMachine, state, scorers, undefined, only)], whole.filter((m) => kept.has(m)), `seed ${seed} ${name} ${u.name}`);
      }
    }
  }
});

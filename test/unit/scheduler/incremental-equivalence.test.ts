/**
 * The incremental pass (`carry.ts`) changes speed, never plans: over random
 * sequences of changes between passes, `planSchedule` (which starts from
 * what the previous pass left whenever it can) gives exactly the plan of a
 * pass from scratch. Most changes touch only the schedule, as between an
 * engine's passes (the previous plan applied, or only part of it, entries
 * removed, moved, duplicated, pointing at machines that left or at units
 * that are gone); some change units, machines or the policy, which forces
 * a full pass that must leave a usable carry again.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyPlan, parsePolicy, planSchedule } from '../../../src/scheduler/index.js';
import { lastPassKind, planFromScratch } from '../../../src/scheduler/planner.js';
import type { ClusterSnapshot, MachineSnapshot, Plan, UnitSnapshot } from '../../../src/scheduler/types.js';
import { Rng } from '../../../bench/lib/rng.js';
import { req } from './fixtures.js';

const G = 1024 ** 3;

/**
 * A cluster with every kind of constraint: global units (some requesting
 * resources, some conflicting), templates conflicting with themselves,
 * metadata, MachineOf pairs, Replaces, pinned units, resources; with
 * `priorities`, ordinary units at priorities 0, 10 and 100, some not
 * preemptible (passes then preempt).
 */
function cluster(r: Rng, requests: boolean, crowd = 1, priorities = false): ClusterSnapshot {
  const machines: MachineSnapshot[] = [];
  const count = crowd > 1 ? r.between(16, 32) : r.between(6, 24);
  for (let i = 0; i < count; i++) {
    const metadata: Record<string, string> = { az: r.pick(['a', 'b', 'c']) };
    if (r.chance(0.4)) metadata['disk'] = 'ssd';
    const big = r.chance(0.3);
    const cordon = r.chance(0.05) ? { cordoned: 'suspected dead' } : {};
    machines.push({ id: `m${String(i).padStart(3, '0')}${'e'.repeat(12)}`, metadata, ...cordon, ...(requests ? { capacity: big ? { cpu: 4, memory: 16 * G } : { cpu: 2, memory: 8 * G } } : {}) });
  }
  const units: UnitSnapshot[] = [];
  const resources = () => (requests && r.chance(0.8) ? { resources: { cpu: r.pick([0.25, 0.5, 1]), memory: r.pick([0.5, 1, 2]) * G } } : {});
  const importance = () => (r.chance(0.1) ? { priority: r.pick([0, 10, 100]), preemptible: false } : { priority: r.pick([0, 0, 0, 10, 100]) });
  const add = (name: string, spec: Parameters<typeof req>[0], state: UnitSnapshot['desiredState'] = r.chance(0.1) ? 'loaded' : 'launched') =>
    units.push({ name, desiredState: state, requirements: req(priorities && spec?.global !== true ? { ...spec, ...importance() } : spec) });
  add('agent.service', { global: true, ...(requests ? { resources: { cpu: 0.1, memory: 0.25 * G } } : {}) });
  if (r.chance(0.5)) add('edge.service', { global: true, metadata: { disk: ['ssd'] }, conflicts: ['cache@*.service'] });
  if (r.chance(0.15)) add('zz-global.service', { global: true, conflicts: ['agent.service'] });
  const n = r.between(20, 90) * crowd;
  for (let i = 0; i < n; i++) {
    const kind = r.int(9);
    if (kind === 0) add(`cache@${i}.service`, { conflicts: ['cache@*.service'], ...resources() });
    else if (kind === 1) add(`db@${i}.service`, { conflicts: ['db@*.service'], metadata: { disk: ['ssd'] }, ...resources() });
    else if (kind === 2) add(`api-${i}.service`, { metadata: { az: [r.pick(['a', 'b'])] }, ...resources() });
    else if (kind === 3) {
      add(`app@${i}.service`, { ...resources() });
      add(`app-side@${i}.service`, { machineOf: [`app@${i}.service`] });
    } else if (kind === 4) {
      add(`old@${i}.service`, { ...resources() });
      add(`new@${i}.service`, { replaces: [`old@${i}.service`], ...resources() });
    } else if (kind === 5 && machines.length > 0) add(`pinned-${i}.service`, { machineId: r.pick(machines).id, ...resources() });
    else add(`svc-${i % 5}@${i}.service`, { ...resources() });
  }
  // Waiting units whose explanations name the first conflicting unit on a machine, in the order units arrived there.
  for (let i = 0; i < 2 && machines.length > 0; i++) add(`picky-${i}.service`, { machineId: r.pick(machines).id, conflicts: ['svc-*'] });
  return { machines, units, schedule: new Map() };
}

/** The next pass's input: `snap` with the plan applied (or not, or partly) and random changes, mostly to the schedule. */
function change(r: Rng, snap: ClusterSnapshot, plan: Plan): ClusterSnapshot {
  let next: ClusterSnapshot = r.chance(0.8) ? applyPlan(snap, plan) : r.chance(0.5) ? applyPlan(snap, { ...plan, decisions: plan.decisions.filter(() => r.chance(0.5)) }) : snap;
  const schedule = new Map<string, readonly string[]>();
  for (const [u, ids] of next.schedule) schedule.set(u, [...ids]);
  const names = [...schedule.keys()];
  const ids = next.machines.map((m) => m.id);
  const globals = next.units.filter((u) => u.requirements.global).map((u) => u.name);
  const edits = r.int(4);
  for (let i = 0; i < edits && names.length > 0; i++) {
    // Global units' entries (one per machine) are edited as often as all others together.
    const u = globals.length > 0 && r.chance(0.5) ? r.pick(globals) : r.pick(names);
    if (!schedule.has(u)) schedule.set(u, []);
    const what = r.pick([0, 0, 1, 1, 1, 2, 3, 3, 4, 5, 6, 6, 7, 7]);
    if (what === 0) schedule.delete(u);
    else if (what === 7) schedule.set(u, schedule.get(u)!.filter(() => r.chance(0.7)));
    else if (what === 1 && ids.length > 0) schedule.set(u, [r.pick(ids)]);
    else if (what === 2 && ids.length > 0) schedule.set(u, [...new Set([...schedule.get(u)!, r.pick(ids)])]);
    else if (what === 3) schedule.set(u, [...schedule.get(u)!, 'f'.repeat(32)]);
    else if (what === 4) schedule.set('destroyed.service', [r.pick(ids.length > 0 ? ids : ['x'])]);
    else if (what === 5 && ids.length > 0) {
      // Swap two units' machines.
      const v = r.pick(names);
      const a = schedule.get(u)!;
      const b = schedule.get(v);
      if (b !== undefined) {
        schedule.set(u, b);
        schedule.set(v, a);
      }
    } else if (ids.length > 0) schedule.set(`svc-new-${r.int(3)}.service`, [r.pick(ids)]);
  }
  next = { ...next, schedule };
  // Now and then, something besides the schedule (a full pass).
  const other = r.int(40);
  if (other === 0) next = { ...next, units: next.units.map((u) => (r.chance(0.1) ? { ...u, desiredState: u.desiredState === 'inactive' ? 'launched' : 'inactive' } : u)) };
  else if (other === 1 && next.machines.length > 1) next = { ...next, machines: next.machines.filter(() => r.chance(0.9)) };
  else if (other === 2) next = { ...next, machines: next.machines.map((m) => (r.chance(0.2) && m.capacity !== undefined ? { ...m, capacity: { cpu: m.capacity['cpu']! / 2, memory: m.capacity['memory']! } } : m)) };
  else if (other === 3) next = { ...next, units: [...next.units, { name: `late-${r.int(1000)}.service`, desiredState: 'launched', requirements: req({}) }] };
  // The engine builds new objects every pass: only requirements objects stay the same.
  return { ...next, machines: next.machines.map((m) => ({ ...m })), units: next.units.map((u) => ({ ...u })) };
}

test('incremental passes plan exactly as passes from scratch (random change sequences)', () => {
  // The last: a full cluster, where placement ranks only the machines with room (`room-index.ts`) after a few misses.
  const policies: Array<[string, Record<string, unknown> | undefined, boolean, number?, boolean?]> = [
    ['default, no requests', undefined, false],
    ['spread with requests', { strategy: 'spread' }, true],
    ['spread + spreadBy + balanced', { strategy: 'spread', spreadBy: 'az', scorers: { balanced: 1 } }, true],
    ['binpack', { strategy: 'binpack' }, true],
    ['random', { strategy: 'random' }, true],
    ['spread, full cluster', { strategy: 'spread', spreadBy: 'az' }, true, 6],
    // Priorities on a full cluster: passes preempt, and the victim search is kept with the state.
    ['spread, full cluster, priorities', { strategy: 'spread', spreadBy: 'az' }, true, 6, true],
  ];
  const seeds = Number(process.env.INCREMENTAL_SEEDS ?? 12);
  const kinds = { 'same-input': 0, incremental: 0, full: 0 };
  let preemptingIncremental = 0;
  for (let seed = 1; seed <= seeds; seed++) {
    for (const [name, doc, requests, crowd, priorities] of policies) {
      const r = new Rng(seed * 7919 + name.length);
      const base = cluster(r, requests, crowd, priorities);
      let snap: ClusterSnapshot = doc === undefined ? base : { ...base, policy: parsePolicy(doc) };
      for (let pass = 0; pass < 16; pass++) {
        const plan = planSchedule(snap);
        kinds[lastPassKind()]++;
        if (lastPassKind() === 'incremental' && plan.preemptions !== undefined) preemptingIncremental++;
        assert.deepEqual(plan, planFromScratch(snap), `seed ${seed}, ${name}, pass ${pass}`);
        snap = change(r, snap, plan);
        // The engine's flap guard shields units now and then (a new victim search).
        if (priorities && r.chance(0.2)) snap = { ...snap, shielded: new Set(snap.units.filter(() => r.chance(0.1)).map((u) => u.name)) };
      }
    }
  }
  // The comparison means something only if many passes took the incremental path.
  const all = kinds['same-input'] + kinds.incremental + kinds.full;
  assert.ok(kinds.incremental > all / 3, `incremental passes: ${JSON.stringify(kinds)}`);
  assert.ok(preemptingIncremental > 0, 'no incremental pass preempted');
});

test('incremental passes that preempt plan exactly as passes from scratch (the victim search kept with the state)', () => {
  const policy = parsePolicy({ strategy: 'spread', spreadBy: 'az' });
  let preempting = 0;
  let passes = 0;
  for (let seed = 1; seed <= Number(process.env.INCREMENTAL_SEEDS ?? 12); seed++) {
    const r = new Rng(seed * 104729);
    let snap: ClusterSnapshot = { ...cluster(r, true, 6, true), policy };
    for (let pass = 0; pass < 24; pass++) {
      const plan = planSchedule(snap);
      if (lastPassKind() === 'incremental') {
        passes++;
        if (plan.preemptions !== undefined) preempting++;
      }
      assert.deepEqual(plan, planFromScratch(snap), `seed ${seed}, pass ${pass}`);
      // The plan applied, then some units with a priority give their machine to a waiting unit (as if written by an older engine): they come back by preempting.
      const next = applyPlan(snap, plan);
      const schedule = new Map(next.schedule);
      const important = next.units.filter((u) => (u.requirements.priority ?? 0) > 0 && !u.requirements.global && schedule.get(u.name)?.length === 1);
      const waiting = plan.unplaced.map((e) => e.unit).filter((u) => !schedule.has(u));
      for (let i = r.int(4); i > 0 && important.length > 0; i--) {
        const u = r.pick(important).name;
        const on = schedule.get(u);
        schedule.delete(u);
        if (on !== undefined && waiting.length > 0) schedule.set(r.pick(waiting), on);
      }
      snap = { ...next, schedule, machines: next.machines.map((m) => ({ ...m })), units: next.units.map((u) => ({ ...u })) };
      if (r.chance(0.1)) snap = { ...snap, shielded: new Set(snap.units.filter(() => r.chance(0.1)).map((u) => u.name)) };
    }
  }
  assert.ok(preempting > passes / 4, `incremental passes that preempted: ${preempting} of ${passes}`);
});

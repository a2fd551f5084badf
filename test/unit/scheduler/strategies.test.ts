import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { applyPlan, DEFAULT_POLICY, InvalidPolicyError, parsePolicy, planSchedule, type PlacementPolicy } from '../../../src/scheduler/index.js';
import type { ClusterSnapshot, MachineSnapshot } from '../../../src/scheduler/types.js';
import { snapshot, summary, unit } from './fixtures.js';

const G = 1024 ** 3;
const sized = (id: string, capacity: Record<string, number>, metadata: Record<string, string> = {}): MachineSnapshot => ({ id, metadata, capacity });
const withPolicy = (snap: ClusterSnapshot, doc: object): ClusterSnapshot => ({ ...snap, policy: parsePolicy(doc) });

/** Places `names` one after another (each plan applied before the next unit arrives). */
function sequence(machines: MachineSnapshot[], units: ReturnType<typeof unit>[], doc: object): string[] {
  let snap: ClusterSnapshot = withPolicy(snapshot(machines, []), doc);
  for (const u of units) {
    snap = { ...snap, units: [...snap.units, u] };
    snap = applyPlan(snap, planSchedule(snap));
  }
  return units.map((u) => `${u.name}@${snap.schedule.get(u.name)?.[0] ?? '-'}`);
}

const machines = [sized('A', { cpu: 4, memory: 8 * G }), sized('B', { cpu: 4, memory: 8 * G }), sized('C', { cpu: 4, memory: 8 * G })];
const units = [1, 2, 3, 4].map((i) => unit(`w${i}.service`, { resources: { cpu: 1, memory: 1 * G } }));

test('spread: each unit goes to the machine with the most free of what it requests', () => {
  assert.deepEqual(sequence(machines, units, {}), ['w1.service@A', 'w2.service@B', 'w3.service@C', 'w4.service@A']);
});

test('binpack: the fullest machine that fits, so others stay empty', () => {
  assert.deepEqual(sequence(machines, units, { strategy: 'binpack' }), ['w1.service@A', 'w2.service@A', 'w3.service@A', 'w4.service@A']);
  const big = unit('big.service', { resources: { cpu: 2 } });
  assert.deepEqual(sequence(machines, [...units, big], { strategy: 'binpack' }).at(-1), 'big.service@B', 'A is full: the next machine');
});

test('spread weighs free fractions, not unit counts, once units request resources', () => {
  const uneven = [sized('A', { cpu: 8 }), sized('B', { cpu: 2 })];
  const placed = sequence(uneven, [1, 2, 3, 4, 5].map((i) => unit(`c${i}.service`, { resources: { cpu: 1 } })), {});
  assert.deepEqual(placed, ['c1.service@A', 'c2.service@A', 'c3.service@A', 'c4.service@A', 'c5.service@B'], 'B (2 cores) takes one when A (8) is half used');
});

test('best-effort units count as the default request, so they spread too', () => {
  const two = [sized('A', { cpu: 1, memory: 1 * G }), sized('B', { cpu: 1, memory: 1 * G })];
  const placed = sequence(two, [unit('r.service', { resources: { cpu: 0.1 } }), unit('b1.service'), unit('b2.service'), unit('b3.service')], {});
  assert.deepEqual(placed, ['r.service@A', 'b1.service@B', 'b2.service@A', 'b3.service@B']);
});

test('random: seeded by the unit name, so the same input gives the same placement', () => {
  const many = Array.from({ length: 12 }, (_, i) => unit(`r${i}.service`, { resources: { cpu: 0.1 } }));
  const a = sequence(machines, many, { strategy: 'random' });
  assert.deepEqual(sequence(machines, many, { strategy: 'random' }), a);
  assert.ok(new Set(a.map((p) => p.split('@')[1])).size > 1, `spreads somewhere: ${a.join(' ')}`);
  assert.notDeepEqual(a, sequence(machines, many, { strategy: 'binpack' }));
});

test('balanced: prefers the machine whose cpu and memory fractions stay close', () => {
  const skewed = [sized('A', { cpu: 4, memory: 4 * G }), sized('B', { cpu: 4, memory: 4 * G })];
  const snap = applyPlan(
    withPolicy(snapshot(skewed, [unit('cpu-heavy.service', { resources: { cpu: 3, memory: 0.5 * G } }), unit('mem-heavy.service', { resources: { cpu: 0.5, memory: 3 * G } })], { 'cpu-heavy.service': ['A'], 'mem-heavy.service': ['B'] }), { strategy: 'binpack', scorers: { balanced: 5 } }),
    { decisions: [], unplaced: [], warnings: [] },
  );
  const next = { ...snap, units: [...snap.units, unit('mem.service', { resources: { cpu: 0.25, memory: 2 * G } })] };
  assert.deepEqual(summary(planSchedule(next)), ['+mem.service@A'], 'memory goes where cpu is used');
});

test('spreadBy: three instances of a template land in three zones', () => {
  const zoned = [sized('A1', { cpu: 4 }, { az: 'a' }), sized('A2', { cpu: 4 }, { az: 'a' }), sized('B1', { cpu: 4 }, { az: 'b' }), sized('C1', { cpu: 4 }, { az: 'c' })];
  const web = [1, 2, 3].map((i) => unit(`web@${i}.service`, { resources: { cpu: 1 } }));
  const zoneOf = (p: string) => zoned.find((m) => m.id === p.split('@')[2])!.metadata['az'];
  const placed = sequence(zoned, web, { strategy: 'binpack', spreadBy: 'az' });
  assert.deepEqual(placed.map(zoneOf).sort(), ['a', 'b', 'c'], placed.join(' '));
  const packed = sequence(zoned, web, { strategy: 'binpack' });
  assert.equal(new Set(packed.map(zoneOf)).size, 1, 'without spreadBy binpack keeps them together');
});

test('a new policy does not move running units', () => {
  const snap = applyPlan(snapshot(machines, units), planSchedule(snapshot(machines, units)));
  assert.deepEqual(planSchedule({ ...snap, policy: parsePolicy({ strategy: 'binpack' }) }).decisions, []);
});

test('parsePolicy: defaults, the documented example, and every problem named', () => {
  assert.deepEqual(parsePolicy({}), DEFAULT_POLICY);
  const p: PlacementPolicy = parsePolicy({ strategy: 'binpack', scorers: { balanced: 1 }, spreadBy: 'az', enforce: false });
  assert.deepEqual(p, { strategy: 'binpack', scorers: { balanced: 1 }, spreadBy: 'az', enforce: false, bestEffort: DEFAULT_POLICY.bestEffort, preemption: true });
  assert.deepEqual(parsePolicy({ bestEffort: { cpu: '250m', memory: '1G' } }).bestEffort, { cpu: 0.25, memory: G });
  assert.throws(
    () => parsePolicy({ strategy: 'pack', scorers: { balanced: 0, fast: 1 }, spreadBy: 'a z', enforce: 'yes', extra: 1, bestEffort: { memory: 'lots' }, preemption: 'no' }),
    (err: unknown) =>
      err instanceof InvalidPolicyError &&
      JSON.stringify(err.problems) ===
        JSON.stringify([
          'unknown field "extra" (known: strategy, scorers, spreadBy, enforce, bestEffort, preemption)',
          'strategy "pack" is not one of spread, binpack, random',
          'scorer balanced weight 0 must be a number above 0 and at most 100',
          'scorer "fast" is not one of balanced, spreadBy',
          'spreadBy "a z" must be a metadata key (A-Z a-z 0-9 _ . -)',
          'enforce "yes" must be true or false',
          'bestEffort: memory value "lots" is not a size (a non-negative number of bytes with an optional K, M, G or T suffix, 1024-based, e.g. 256M)',
          'preemption "no" must be true or false',
        ]),
  );
  assert.equal(parsePolicy({ preemption: false }).preemption, false);
  assert.throws(() => parsePolicy([]), /the policy must be a JSON object/);
  assert.throws(() => parsePolicy({ scorers: { spreadBy: 2 } }), /scorers.spreadBy is set but spreadBy names no metadata key/);
});

// On machines of one size. With mixed sizes greedy placement can lose: e.g.
// machines of 4,4,4,2 cores and units of 1,1,0.5,3,3,2 cores in that order
// take 4 machines under binpack and 3 under spread (found by this property
// before it was narrowed; see the README's resources section).
test('property: on machines of one size, binpack never uses more machines than spread for the same units', () => {
  fc.assert(
    fc.property(
      fc.record({ cpu: fc.constantFrom(2, 4, 8), memory: fc.constantFrom(4, 8, 16) }).chain((size) => fc.array(fc.constant(size), { minLength: 1, maxLength: 6 })),
      fc.array(fc.record({ cpu: fc.constantFrom(0.5, 1, 2, 3), memory: fc.constantFrom(0.5, 1, 2, 4) }), { maxLength: 20 }),
      (ms, us) => {
        const machineList = ms.map((c, i) => sized(`m${i}`, { cpu: c.cpu, memory: c.memory * G }));
        const unitList = us.map((r, i) => unit(`u${String(i).padStart(2, '0')}.service`, { resources: { cpu: r.cpu, memory: r.memory * G } }));
        const used = (doc: object) => {
          const snap = withPolicy(snapshot(machineList, unitList), doc);
          const after = applyPlan(snap, planSchedule(snap));
          return { machines: new Set([...after.schedule.values()].flat()).size, placed: after.schedule.size };
        };
        const spread = used({});
        const binpack = used({ strategy: 'binpack' });
        if (binpack.placed >= spread.placed) assert.ok(binpack.machines <= spread.machines, `binpack ${binpack.machines} machines, spread ${spread.machines}`);
      },
    ),
    { numRuns: Number(process.env.FC_RUNS ?? 300) },
  );
});

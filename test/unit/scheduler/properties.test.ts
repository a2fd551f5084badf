/**
 * Property tests over small random clusters: every plan respects every
 * constraint, leaves no unit out that could fit, is deterministic whatever
 * the input order, and a second pass over the applied plan does nothing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { applyPlan, planSchedule } from '../../../src/scheduler/index.js';
import type { ClusterSnapshot, MachineSnapshot, UnitSnapshot } from '../../../src/scheduler/types.js';
import { req } from './fixtures.js';
import { fits, violations } from './check.js';

const NAMES = ['a.service', 'b.service', 'web@1.service', 'web@2.service', 'web@3.service', 'db.service', 'db-log.service', 'x.service', 'g1.service', 'g2.service'];
const PATTERNS = ['web@*.service', 'a.service', 'db*', '*', 'x.service', '[ab].service', 'g?.service', '[broken'];
const MACHINES = ['m1aaaaaaaaaa', 'm2bbbbbbbbbb', 'm3cccccccccc', 'm4dddddddddd', 'm5eeeeeeeeee'];

const arbMachine = (id: string): fc.Arbitrary<MachineSnapshot> =>
  fc.record({ region: fc.constantFrom('eu', 'us', undefined), disk: fc.constantFrom('ssd', undefined) }).map(({ region, disk }) => {
    const metadata: Record<string, string> = {};
    if (region !== undefined) metadata['region'] = region;
    if (disk !== undefined) metadata['disk'] = disk;
    return { id, metadata };
  });

const arbUnit = (name: string): fc.Arbitrary<UnitSnapshot> =>
  fc
    .record({
      desiredState: fc.constantFrom('launched', 'launched', 'loaded', 'inactive'),
      global: fc.boolean().map((b) => b && name.startsWith('g')),
      machineId: fc.option(fc.constantFrom(...MACHINES, 'm1aaaaaa', 'missing'), { freq: 6 }),
      machineOf: fc.subarray(NAMES.filter((n) => n !== name), { maxLength: 1 }).chain((xs) => fc.constantFrom(xs, [], [], [])),
      region: fc.option(fc.subarray(['eu', 'us'], { minLength: 1 }), { freq: 2 }),
      conflicts: fc.subarray(PATTERNS, { maxLength: 2 }),
      replaces: fc.subarray(PATTERNS, { maxLength: 1 }).chain((xs) => fc.constantFrom(xs, [])),
    })
    .map((r) => ({
      name,
      desiredState: r.desiredState,
      requirements: req({
        global: r.global,
        ...(r.machineId !== null && !r.global ? { machineId: r.machineId } : {}),
        machineOf: r.global ? [] : r.machineOf,
        metadata: r.region !== null ? { region: r.region } : {},
        conflicts: r.conflicts,
        replaces: r.global ? [] : r.replaces,
      }),
    }));

const arbSnapshot: fc.Arbitrary<ClusterSnapshot> = fc
  .record({
    machineIds: fc.subarray(MACHINES),
    unitNames: fc.subarray(NAMES),
  })
  .chain(({ machineIds, unitNames }) =>
    fc.record({
      machines: fc.tuple(...machineIds.map(arbMachine)),
      units: fc.tuple(...unitNames.map(arbUnit)),
      schedule: fc.tuple(
        ...[...unitNames, 'destroyed.service'].map((n) =>
          fc.subarray([...machineIds, 'gone'], { maxLength: Math.min(3, machineIds.length + 1) }).map((ids) => [n, ids] as [string, string[]]),
        ),
      ),
    }),
  )
  .map(({ machines, units, schedule }) => ({
    machines,
    units,
    schedule: new Map(schedule.filter(([, ids]) => ids.length > 0)),
  }));

const RUNS = { numRuns: Number(process.env.FC_RUNS ?? 400) };

test('property: an applied plan violates no constraint', () => {
  fc.assert(
    fc.property(arbSnapshot, (snap) => {
      assert.deepEqual(violations(applyPlan(snap, planSchedule(snap))), []);
    }),
    RUNS,
  );
});

test('property: a second pass over the applied plan has no decisions (idempotence)', () => {
  fc.assert(
    fc.property(arbSnapshot, (snap) => {
      const after = applyPlan(snap, planSchedule(snap));
      assert.deepEqual(planSchedule(after).decisions, []);
    }),
    RUNS,
  );
});

test('property: the plan does not depend on input order (determinism)', () => {
  fc.assert(
    fc.property(arbSnapshot, fc.func(fc.integer()), (snap, key) => {
      const shuffle = <T>(xs: readonly T[]) => xs.map((x, i) => [key(i, x), x] as const).sort((a, b) => a[0] - b[0]).map(([, x]) => x);
      const shuffled: ClusterSnapshot = {
        machines: shuffle(snap.machines),
        units: shuffle(snap.units),
        schedule: new Map(shuffle([...snap.schedule].map(([u, ids]) => [u, shuffle(ids)] as const))),
      };
      assert.deepEqual(planSchedule(shuffled), planSchedule(snap));
    }),
    RUNS,
  );
});

test('property: every active ordinary unit is placed once, or explained and fits nowhere', () => {
  fc.assert(
    fc.property(arbSnapshot, (snap) => {
      const plan = planSchedule(snap);
      const after = applyPlan(snap, plan);
      const unplaced = new Set(plan.unplaced.map((e) => e.unit));
      for (const u of snap.units) {
        if (u.desiredState === 'inactive' || u.requirements.global) continue;
        const placed = after.schedule.get(u.name)?.length ?? 0;
        if (placed === 1) {
          assert.ok(!unplaced.has(u.name), `${u.name} placed and unplaced`);
          continue;
        }
        assert.equal(placed, 0);
        assert.ok(unplaced.has(u.name), `${u.name} neither placed nor explained`);
        for (const m of snap.machines) assert.ok(!fits(after, u, m.id), `${u.name} left out but fits on ${m.id}`);
      }
    }),
    RUNS,
  );
});

test('property: a placement that stays valid is never moved (stability)', () => {
  fc.assert(
    fc.property(arbSnapshot, (snap) => {
      const settled = applyPlan(snap, planSchedule(snap));
      // Adding a machine changes nothing for units already placed.
      const grown: ClusterSnapshot = { ...settled, machines: [...settled.machines, { id: 'm0zzzzzzzzzz', metadata: {} }] };
      const unschedules = planSchedule(grown).decisions.filter((d) => d.kind === 'unschedule');
      assert.deepEqual(unschedules, []);
    }),
    RUNS,
  );
});

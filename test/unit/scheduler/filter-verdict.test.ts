/**
 * Contract of {@link Filter.verdict}: for every filter of the pipeline that
 * defines it, its verdict is its `check` without the reason (same yes/no,
 * filter, kind and constraint), on generated placement states: metadata,
 * Conflicts in both directions, capacity with full and over-committed
 * machines. Also that {@link verdictOf} is {@link runFilters} without the
 * reason, and that a verdict is the shared value {@link sharedVerdict} gives.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createPipeline } from '../../../src/scheduler/pipeline.js';
import { filtersFor, runFilters, sharedVerdict, verdictOf, type FilterResult, type Verdict } from '../../../src/scheduler/filter.js';
import type { ClusterSnapshot, MachineSnapshot, UnitSnapshot } from '../../../src/scheduler/types.js';
import { req, stateFor } from './fixtures.js';

const G = 1024 ** 3;
const RUNS = { numRuns: Number(process.env.FC_RUNS ?? 300) };
const PATTERNS = ['u0*.service', 'u1?.service', '*', 'u03.service', '[broken'];
const FILTERS = createPipeline().filters;
const WITH_VERDICT = FILTERS.filter((f) => f.verdict !== undefined);

const arbMachine = (i: number): fc.Arbitrary<MachineSnapshot> =>
  fc
    .record({
      cpu: fc.constantFrom(1, 2, 4, undefined),
      memory: fc.constantFrom(1, 2, 8).map((g) => g * G),
      offers: fc.boolean(),
      az: fc.constantFrom('a', 'b', undefined),
      disk: fc.constantFrom('ssd', undefined),
    })
    .map(({ cpu, memory, offers, az, disk }): MachineSnapshot => {
      const metadata: Record<string, string> = {};
      if (az !== undefined) metadata['az'] = az;
      if (disk !== undefined) metadata['disk'] = disk;
      const id = `m${i}${'x'.repeat(10)}`;
      // A machine without capacity offers nothing: every request is `never` there.
      return offers ? { id, metadata, capacity: cpu === undefined ? { memory } : { cpu, memory } } : { id, metadata };
    });

const arbUnit = (i: number): fc.Arbitrary<UnitSnapshot> =>
  fc
    .record({
      cpu: fc.constantFrom(0.5, 1, 3, undefined),
      memory: fc.constantFrom(0.5, 2, 16, undefined).map((g) => (g === undefined ? undefined : g * G)),
      az: fc.option(fc.subarray(['a', 'b', 'c'], { minLength: 1 }), { freq: 3 }),
      disk: fc.option(fc.constant<string[]>(['ssd']), { freq: 3 }),
      conflicts: fc.subarray(PATTERNS, { maxLength: 2 }),
    })
    .map(({ cpu, memory, az, disk, conflicts }) => {
      const resources: Record<string, number> = {};
      if (cpu !== undefined) resources['cpu'] = cpu;
      if (memory !== undefined) resources['memory'] = memory;
      const metadata: Record<string, string[]> = {};
      if (az !== null) metadata['az'] = az;
      if (disk !== null) metadata['disk'] = disk;
      return {
        name: `u${String(i).padStart(2, '0')}.service`,
        desiredState: 'launched' as const,
        requirements: req({ ...(Object.keys(resources).length > 0 ? { resources } : {}), metadata, conflicts }),
      };
    });

/** A cluster whose schedule places units as-is (no checks), so machines may be full, over-committed or hold conflicting units. */
const arbCluster: fc.Arbitrary<ClusterSnapshot> = fc.record({ machines: fc.integer({ min: 1, max: 5 }), units: fc.integer({ min: 1, max: 16 }) }).chain(({ machines, units }) =>
  fc
    .record({
      machines: fc.tuple(...Array.from({ length: machines }, (_, i) => arbMachine(i))),
      units: fc.tuple(...Array.from({ length: units }, (_, i) => arbUnit(i))),
      where: fc.array(fc.option(fc.integer({ min: 0, max: machines - 1 }), { freq: 2 }), { minLength: units, maxLength: units }),
    })
    .map(({ machines: ms, units: us, where }) => ({
      machines: ms,
      units: us,
      schedule: new Map(us.flatMap((u, i) => (where[i] === null ? [] : [[u.name, [ms[where[i]!]!.id]] as [string, string[]]]))),
    })),
);

/** A filter's answer as a verdict: what it says, without the reason. */
function withoutReason(r: FilterResult): Verdict {
  return r.ok ? { ok: true } : { ok: false, filter: r.filter, kind: r.kind, constraint: r.constraint };
}

/** Every (unit, machine) pair a filter may be asked about: the machine does not hold the unit. */
function* pairs(snap: ClusterSnapshot): Generator<[string, string]> {
  for (const u of snap.units) for (const m of snap.machines) if (!(snap.schedule.get(u.name) ?? []).includes(m.id)) yield [u.name, m.id];
}

test('the pipeline has filters with a verdict to check', () => {
  assert.deepEqual(WITH_VERDICT.map((f) => f.name).sort(), ['Conflicts', 'MachineMetadata', 'Resources']);
});

test('property: each filter verdict is its check without the reason, and a shared value', () => {
  fc.assert(
    fc.property(arbCluster, (snap) => {
      const { state, unit, m } = stateFor(snap);
      for (const [name, id] of pairs(snap)) {
        for (const f of WITH_VERDICT) {
          const expected = withoutReason(f.check(unit(name), m(id), state));
          const got = f.verdict!(unit(name), m(id), state);
          assert.deepEqual({ ...got }, expected, `${f.name} for ${name} on ${id}`);
          if (!got.ok) assert.equal(got, sharedVerdict(got.filter, got.kind, got.constraint), `${f.name}: a verdict is the shared value`);
        }
      }
    }),
    RUNS,
  );
});

test('property: verdictOf is runFilters without the reason', () => {
  fc.assert(
    fc.property(arbCluster, (snap) => {
      const { state, unit, m } = stateFor(snap);
      for (const [name, id] of pairs(snap)) {
        assert.deepEqual({ ...verdictOf(FILTERS, unit(name), m(id), state) }, withoutReason(runFilters(FILTERS, unit(name), m(id), state)), `${name} on ${id}`);
      }
    }),
    RUNS,
  );
});

test('property: a filter that accepts a unit everywhere (acceptsAll) accepts it on each machine; filtersFor leaves out only those', () => {
  let left = 0;
  let kept = 0;
  fc.assert(
    fc.property(arbCluster, (snap) => {
      const { state, unit, m } = stateFor(snap);
      for (const [name, id] of pairs(snap)) {
        const u = unit(name);
        const asked = filtersFor(FILTERS, u, state);
        for (const f of FILTERS) {
          if (asked.includes(f)) kept++;
          else {
            left++;
            assert.equal(f.acceptsAll?.(u, state), true, `${f.name} left out for ${name}`);
            assert.deepEqual(f.check(u, m(id), state), { ok: true }, `${f.name} accepts ${name} on ${id}`);
          }
        }
        assert.deepEqual(asked, FILTERS.filter((f) => asked.includes(f)), 'in pipeline order');
        assert.deepEqual({ ...verdictOf(asked, u, m(id), state) }, { ...verdictOf(FILTERS, u, m(id), state) }, `${name} on ${id}`);
      }
    }),
    RUNS,
  );
  // Guards the generator: both cases occur.
  assert.ok(left > 0 && kept > 0, `left out ${left}, asked ${kept}`);
});

test('the generated states reach every kind of answer each filter gives', () => {
  // Guards the generator: a property over states that never say "no" would prove nothing.
  const seen = new Set<string>();
  fc.assert(
    fc.property(arbCluster, (snap) => {
      const { state, unit, m } = stateFor(snap);
      for (const [name, id] of pairs(snap)) {
        for (const f of WITH_VERDICT) {
          const v = f.verdict!(unit(name), m(id), state);
          seen.add(v.ok ? `${f.name}:ok` : `${f.name}:${v.kind}:${v.constraint === 'over-committed' ? 'over-committed' : 'requirement'}`);
        }
      }
    }),
    RUNS,
  );
  for (const want of ['Conflicts:ok', 'Conflicts:not-now:requirement', 'MachineMetadata:ok', 'MachineMetadata:never:requirement', 'Resources:ok', 'Resources:never:requirement', 'Resources:not-now:requirement', 'Resources:not-now:over-committed']) {
    assert.ok(seen.has(want), `generated states give ${want}`);
  }
});

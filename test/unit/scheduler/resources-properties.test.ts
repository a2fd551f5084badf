/**
 * Property tests of resource-aware placement over generated clusters: no
 * plan gives a machine more than it can allocate, plans are deterministic
 * and idempotent, and with no requests anywhere they equal fleet's
 * least-loaded placement (the same cluster without any capacity).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { applyPlan, planSchedule } from '../../../src/scheduler/index.js';
import type { ClusterSnapshot, MachineSnapshot, UnitSnapshot } from '../../../src/scheduler/types.js';
import { toFixedUnits } from '../../../src/resources/index.js';
import { req } from './fixtures.js';

const G = 1024 ** 3;
const RUNS = { numRuns: Number(process.env.FC_RUNS ?? 300) };

const arbMachine = (i: number): fc.Arbitrary<MachineSnapshot> =>
  fc
    .record({ cpu: fc.constantFrom(1, 2, 4, undefined), memory: fc.constantFrom(1, 2, 8).map((g) => g * G), az: fc.constantFrom('a', 'b', 'c') })
    .map(({ cpu, memory, az }): MachineSnapshot => ({ id: `m${i}${'x'.repeat(10)}`, metadata: { az }, capacity: cpu === undefined ? { memory } : { cpu, memory } }));

const arbUnit = (i: number, requests: boolean): fc.Arbitrary<UnitSnapshot> =>
  fc
    .record({
      cpu: fc.constantFrom(0.25, 0.5, 1, 1.5, undefined),
      memory: fc.constantFrom(0.25, 0.5, 1, 3, undefined).map((g) => (g === undefined ? undefined : g * G)),
      global: fc.boolean().map((b) => b && i % 5 === 0),
      az: fc.option(fc.constantFrom('a', 'b'), { freq: 4 }),
      conflict: fc.boolean().map((b) => b && i % 3 === 0),
    })
    .map(({ cpu, memory, global, az, conflict }) => {
      const resources: Record<string, number> = {};
      if (requests && cpu !== undefined) resources['cpu'] = cpu;
      if (requests && memory !== undefined) resources['memory'] = memory;
      return {
        name: `u${String(i).padStart(2, '0')}.service`,
        desiredState: 'launched' as const,
        requirements: req({
          global,
          ...(Object.keys(resources).length > 0 ? { resources } : {}),
          metadata: az === null ? {} : { az: [az] },
          conflicts: conflict ? ['u0*.service'] : [],
        }),
      };
    });

const arbCluster = (requests: boolean): fc.Arbitrary<ClusterSnapshot> =>
  fc.record({ machines: fc.integer({ min: 1, max: 6 }), units: fc.integer({ min: 0, max: 24 }) }).chain(({ machines, units }) =>
    fc
      .record({
        machines: fc.tuple(...Array.from({ length: machines }, (_, i) => arbMachine(i))),
        units: units === 0 ? fc.constant([]) : fc.tuple(...Array.from({ length: units }, (_, i) => arbUnit(i, requests))),
      })
      .map(({ machines: ms, units: us }) => ({ machines: ms, units: us, schedule: new Map<string, string[]>() })),
  );

/** resource -> machine -> requested, over the applied schedule. */
function allocations(snap: ClusterSnapshot): Map<string, Map<string, number>> {
  const out = new Map<string, Map<string, number>>();
  const byName = new Map(snap.units.map((u) => [u.name, u]));
  for (const [name, ids] of snap.schedule) {
    for (const [r, v] of Object.entries(byName.get(name)?.requirements.resources ?? {})) {
      for (const id of ids) {
        const perMachine = out.get(r) ?? new Map<string, number>();
        perMachine.set(id, (perMachine.get(id) ?? 0) + toFixedUnits(r, v));
        out.set(r, perMachine);
      }
    }
  }
  return out;
}

function assertWithinAllocatable(snap: ClusterSnapshot): void {
  for (const [r, perMachine] of allocations(snap)) {
    for (const [id, used] of perMachine) {
      const m = snap.machines.find((x) => x.id === id)!;
      assert.ok(used <= toFixedUnits(r, m.capacity?.[r] ?? 0), `${id} gets ${used} of ${r}, can give ${m.capacity?.[r] ?? 0}`);
    }
  }
}

/** The cluster with `extra` more units, on the schedule the planner made. */
function grow(snap: ClusterSnapshot, extra: readonly UnitSnapshot[]): ClusterSnapshot {
  return { ...snap, units: [...snap.units, ...extra.map((u) => ({ ...u, name: `late-${u.name}` }))] };
}

test('property: no plan gives a machine more than its allocatable, from scratch or after more units arrive', () => {
  fc.assert(
    fc.property(arbCluster(true), fc.array(arbUnit(7, true), { maxLength: 6 }), (snap, extra) => {
      const first = applyPlan(snap, planSchedule(snap));
      assertWithinAllocatable(first);
      const grown = grow(first, extra.map((u, i) => ({ ...u, name: `x${i}.service` })));
      assertWithinAllocatable(applyPlan(grown, planSchedule(grown)));
    }),
    RUNS,
  );
});

test('property: resource-aware plans are deterministic and idempotent', () => {
  fc.assert(
    fc.property(arbCluster(true), (snap) => {
      const plan = planSchedule(snap);
      const reversed: ClusterSnapshot = { ...snap, machines: [...snap.machines].reverse(), units: [...snap.units].reverse() };
      assert.deepEqual(planSchedule(reversed), plan);
      assert.deepEqual(planSchedule(applyPlan(snap, plan)).decisions, []);
    }),
    RUNS,
  );
});

test('property: with no requests anywhere, placement equals least-loaded placement without capacities', () => {
  fc.assert(
    fc.property(arbCluster(false), (snap) => {
      const bare: ClusterSnapshot = { ...snap, machines: snap.machines.map(({ id, metadata }) => ({ id, metadata })) };
      assert.deepEqual(planSchedule(snap), planSchedule(bare));
    }),
    RUNS,
  );
});

/**
 * {@link explainKept} (answers kept per signature, and per leading filters'
 * keys across signatures) gives exactly what {@link explainUnplaced} (every
 * filter on every machine) gives, on generated states and after units
 * arrive on and leave machines: units that differ only in their requests,
 * turned away everywhere by Conflicts or MachineMetadata, or only on some
 * machines, where Resources then decides.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createPipeline } from '../../../src/scheduler/pipeline.js';
import { explainKept } from '../../../src/scheduler/explain-cache.js';
import { explainUnplaced } from '../../../src/scheduler/explain.js';
import type { ClusterSnapshot, MachineSnapshot, UnitSnapshot } from '../../../src/scheduler/types.js';
import { req, stateFor } from './fixtures.js';

const G = 1024 ** 3;
const RUNS = { numRuns: Number(process.env.FC_RUNS ?? 200) };
const FILTERS = createPipeline().filters;

const arbMachine = (i: number): fc.Arbitrary<MachineSnapshot> =>
  fc.record({ cpu: fc.constantFrom(1, 2, 4), disk: fc.constantFrom('ssd', undefined) }).map(
    ({ cpu, disk }): MachineSnapshot => ({ id: `m${i}${'x'.repeat(10)}`, metadata: disk === undefined ? {} : { disk }, capacity: { cpu, memory: 4 * G } }),
  );

/** Units of a few kinds whose requests vary: `db@i` (Conflicts db@*), `ssd@i` (disk=ssd), `svc@i` (requests only). */
const arbUnit = (i: number): fc.Arbitrary<UnitSnapshot> =>
  fc.record({ kind: fc.constantFrom('db', 'ssd', 'svc'), cpu: fc.constantFrom(0.5, 1, 3), memory: fc.constantFrom(1, 2) }).map(({ kind, cpu, memory }) => ({
    name: `${kind}@${i}.service`,
    desiredState: 'launched' as const,
    requirements: req({
      resources: { cpu, memory: memory * G },
      ...(kind === 'db' ? { conflicts: ['db@*.service'] } : {}),
      ...(kind === 'ssd' ? { metadata: { disk: ['ssd'] } } : {}),
    }),
  }));

const arbCase = fc.record({ machines: fc.integer({ min: 1, max: 4 }), units: fc.integer({ min: 2, max: 14 }) }).chain(({ machines, units }) =>
  fc.record({
    machines: fc.tuple(...Array.from({ length: machines }, (_, i) => arbMachine(i))),
    units: fc.tuple(...Array.from({ length: units }, (_, i) => arbUnit(i))),
    where: fc.array(fc.option(fc.integer({ min: 0, max: machines - 1 }), { freq: 2 }), { minLength: units, maxLength: units }),
    moves: fc.array(fc.tuple(fc.nat(), fc.nat()), { maxLength: 6 }),
  }),
);

test('property: kept explanations are the explanations of every filter on every machine, before and after units move', () => {
  let shared = 0;
  fc.assert(
    fc.property(arbCase, ({ machines, units, where, moves }) => {
      const snap: ClusterSnapshot = {
        machines,
        units,
        schedule: new Map(units.flatMap((u, i) => (where[i] === null ? [] : [[u.name, [machines[where[i]!]!.id]] as [string, string[]]]))),
      };
      const { state, unit, m } = stateFor(snap);
      const check = () => {
        for (const u of units) {
          const pu = unit(u.name);
          if (state.isPlaced(pu)) continue;
          const want = explainUnplaced(pu, state, FILTERS);
          assert.deepEqual(explainKept(pu, state, FILTERS), want, u.name);
          if (want.eligible === 0 && want.rejections.every((r) => r.filter !== 'Resources') && u.name.startsWith('db')) shared++;
        }
      };
      check();
      // Units arrive on and leave machines: the kept answers are asked again where they changed.
      for (const [ui, mi] of moves) {
        const pu = unit(units[ui % units.length]!.name);
        const target = m(machines[mi % machines.length]!.id);
        const on = [...state.machinesOf(pu)];
        if (on.length > 0) state.remove(pu, on[0]!);
        else state.add(pu, target);
        check();
      }
    }),
    RUNS,
  );
  // Guards the generator: units turned away everywhere before Resources occur.
  assert.ok(shared > 0);
});

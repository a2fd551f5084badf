/**
 * Generated preemption scenarios, shared by the property tests and the
 * equivalence harness: a cluster placed with its first units (mostly
 * unimportant), then more units (mostly important) arrive.
 */
import fc from 'fast-check';
import { applyPlan, planSchedule } from '../../../src/scheduler/index.js';
import type { ClusterSnapshot, MachineSnapshot, UnitSnapshot } from '../../../src/scheduler/types.js';
import { req } from './fixtures.js';

const G = 1024 ** 3;

/** How big generated scenarios get, and whether units also use MachineOf (`rich`). */
export interface ScenarioShape {
  readonly machines: number;
  readonly first: number;
  readonly late: number;
  readonly rich?: boolean;
}

const arbMachine = (i: number): fc.Arbitrary<MachineSnapshot> =>
  fc
    .record({ cpu: fc.constantFrom(1, 2, 4), memory: fc.constantFrom(1, 2, 4).map((g) => g * G), az: fc.constantFrom('a', 'b') })
    .map(({ cpu, memory, az }): MachineSnapshot => ({ id: `m${i}${'x'.repeat(10)}`, metadata: { az }, capacity: { cpu, memory } }));

// Small scenarios pin most units (MachineID=), rich ones few.
const arbPin = (machines: number, rich: boolean): fc.Arbitrary<number | null> =>
  rich
    ? fc.oneof({ arbitrary: fc.constant(null), weight: 6 }, { arbitrary: fc.integer({ min: 0, max: machines - 1 }), weight: 1 })
    : fc.option(fc.integer({ min: 0, max: machines - 1 }), { freq: 6 });

const arbUnit = (name: string, machines: number, priorities: ReadonlyArray<number | undefined>, peers: readonly string[]): fc.Arbitrary<UnitSnapshot> =>
  fc
    .record({
      cpu: fc.constantFrom(0.5, 1, 2, undefined),
      memory: fc.constantFrom(0.5, 1, 2, undefined).map((g) => (g === undefined ? undefined : g * G)),
      priority: fc.constantFrom(...priorities),
      preemptible: fc.constantFrom(undefined, undefined, undefined, false),
      pin: arbPin(machines, peers.length > 0),
      global: fc.integer({ min: 0, max: 12 }).map((n) => n === 0),
      az: fc.option(fc.constantFrom('a', 'b'), { freq: 4 }),
      conflict: fc.integer({ min: 0, max: 5 }).map((n) => n === 0),
      ...(peers.length > 0 ? { peer: fc.oneof({ arbitrary: fc.constant(null), weight: 5 }, { arbitrary: fc.constantFrom(...peers), weight: 1 }) } : {}),
    })
    .map(({ cpu, memory, priority, preemptible, pin, global, az, conflict, peer }) => {
      // Global units request nothing here: a new global unit ahead of kept ones in placement
      // order can over-commit a machine without any priority involved (not this test's subject).
      const resources: Record<string, number> = {};
      if (cpu !== undefined && !global) resources['cpu'] = cpu;
      if (memory !== undefined && !global) resources['memory'] = memory;
      const follows = typeof peer === 'string' && pin === null && !global && peer !== name;
      return {
        name,
        desiredState: 'launched' as const,
        requirements: req({
          global: global && pin === null,
          ...(Object.keys(resources).length > 0 ? { resources } : {}),
          ...(priority !== undefined ? { priority } : {}),
          ...(preemptible !== undefined ? { preemptible } : {}),
          ...(pin !== null && !global ? { machineId: `m${pin}${'x'.repeat(10)}` } : {}),
          metadata: az === null || pin !== null || follows ? {} : { az: [az] },
          conflicts: conflict && pin === null ? ['c*.service'] : [],
          ...(follows ? { machineOf: [peer] } : {}),
        }),
      };
    });

/** Scenarios of up to `shape` machines, first units and late units. */
export function scenarios(shape: ScenarioShape): fc.Arbitrary<ClusterSnapshot> {
  return fc
    .record({ machines: fc.integer({ min: 1, max: shape.machines }), first: fc.integer({ min: 2, max: shape.first }), late: fc.integer({ min: 1, max: shape.late }) })
    .chain(({ machines, first, late }) => {
      const firstName = (i: number) => `${i % 4 === 0 ? 'c' : 'u'}${String(i).padStart(2, '0')}.service`;
      // In rich scenarios some units follow one of the first few (MachineOf).
      const peers = shape.rich === true ? Array.from({ length: Math.min(first, 4) }, (_, i) => firstName(i * 3)).filter((_, i) => i * 3 < first) : [];
      return fc
        .record({
          machines: fc.tuple(...Array.from({ length: machines }, (_, i) => arbMachine(i))),
          // The first units are mostly unimportant; the late ones mostly important (with some of each).
          first: fc.tuple(...Array.from({ length: first }, (_, i) => arbUnit(firstName(i), machines, [undefined, 0, 1, 5, 10], peers))),
          late: fc.tuple(...Array.from({ length: late }, (_, i) => arbUnit(`${i % 3 === 0 ? 'c' : 'v'}${String(i).padStart(2, '0')}-late.service`, machines, [undefined, 1, 5, 10, 100, 100], peers))),
        })
        .map(({ machines: ms, first: us, late: ls }) => {
          const placed = applyPlan({ machines: ms, units: us, schedule: new Map() }, planSchedule({ machines: ms, units: us, schedule: new Map() }));
          return { ...placed, units: [...us, ...ls] };
        });
    });
}

/** The property tests' scenarios: up to 5 machines, 20 first units, 8 late ones. */
export const arbScenario: fc.Arbitrary<ClusterSnapshot> = scenarios({ machines: 5, first: 20, late: 8 });

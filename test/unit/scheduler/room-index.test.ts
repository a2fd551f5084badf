/**
 * The room index (`room-index.ts`) against the Resources filter's own
 * answer on every machine, through random adds and removes (machines
 * over-committed on the way, resources no machine offers, machine counts
 * that are not powers of two), for an index built before the changes and
 * one built after them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { MachineIndex, PlanUnit } from '../../../src/scheduler/model.js';
import type { MachineSnapshot, UnitSnapshot } from '../../../src/scheduler/types.js';
import { hasRoom } from '../../../src/scheduler/filters/resources.js';
import { RoomIndex } from '../../../src/scheduler/room-index.js';
import type { PlacementState } from '../../../src/scheduler/state.js';
import { Rng } from '../../../bench/lib/rng.js';
import { snapshot, stateFor, unit } from './fixtures.js';

const G = 1024 ** 3;

/** Machines (ascending) with room for `u`, by asking the filter's definition of each. */
function withRoomByHand(u: PlanUnit, state: PlacementState): MachineIndex[] {
  return state.machines.map((m) => m.index).filter((m) => hasRoom(u, m, state));
}

function cluster(seed: number): { machines: MachineSnapshot[]; units: UnitSnapshot[] } {
  const r = new Rng(seed);
  const machines: MachineSnapshot[] = [];
  const count = r.between(1, 70);
  for (let i = 0; i < count; i++) {
    const kind = r.int(4);
    const capacity: Record<string, number> | undefined = kind === 0 ? { cpu: 2, memory: 4 * G } : kind === 1 ? { cpu: 8, memory: 16 * G, disk: 100 * G } : kind === 2 ? { cpu: 4 } : undefined;
    machines.push({ id: `m${String(i).padStart(3, '0')}`, metadata: {}, ...(capacity === undefined ? {} : { capacity }) });
  }
  const units: UnitSnapshot[] = [];
  for (let i = 0; i < 120; i++) {
    const resources: Record<string, number> = {};
    if (r.chance(0.8)) resources['cpu'] = r.pick([0.25, 0.5, 1, 2, 3]);
    if (r.chance(0.6)) resources['memory'] = r.pick([0.5, 1, 2, 6]) * G;
    if (r.chance(0.1)) resources['disk'] = r.pick([10, 60]) * G;
    if (r.chance(0.03)) resources['gpu'] = 1;
    units.push(unit(`u${i}.service`, Object.keys(resources).length > 0 ? { resources } : {}));
  }
  return { machines, units };
}

test('RoomIndex: the machines with room are exactly those the Resources filter accepts, through adds and removes', () => {
  for (let seed = 1; seed <= 40; seed++) {
    const r = new Rng(seed * 7919);
    const { machines, units } = cluster(seed);
    const { state, unit: u } = stateFor(snapshot(machines, units));
    const early = state.roomIndex();
    const all = units.map((x) => u(x.name));
    const on = new Map<string, MachineIndex>();
    let late: RoomIndex | undefined;
    for (let step = 0; step < 300; step++) {
      // Adds without any check (machines get over-committed), and removes.
      const x = r.pick(all);
      const at = on.get(x.name);
      if (at !== undefined) {
        state.remove(x, at);
        on.delete(x.name);
      } else {
        const m = r.int(machines.length);
        state.add(x, m);
        on.set(x.name, m);
      }
      if (step === 150) {
        late = new RoomIndex(state.resources, machines.length);
        state.onChange((m) => late!.changed(m));
      }
      for (let probe = 0; probe < 3; probe++) {
        const p = r.pick(all);
        if (p.requests.length === 0) {
          assert.equal(early.withRoom(p.requests, 1_000), undefined, 'no requests: not listed');
          continue;
        }
        const want = withRoomByHand(p, state);
        const label = `seed ${seed} step ${step} ${p.name}`;
        assert.deepEqual(early.withRoom(p.requests, 1_000), want, label);
        if (late !== undefined) assert.deepEqual(late.withRoom(p.requests, 1_000), want, `${label} (index built late)`);
        const limit = r.int(want.length + 2);
        assert.deepEqual(early.withRoom(p.requests, limit), want.length > limit ? undefined : want, `${label} limit ${limit}`);
      }
    }
  }
});

test('RoomIndex: an over-committed machine has room for nothing, and regains it once it fits again', () => {
  const machines: MachineSnapshot[] = [
    { id: 'a', metadata: {}, capacity: { cpu: 2, memory: 4 * G } },
    { id: 'b', metadata: {}, capacity: { cpu: 2, memory: 4 * G } },
    { id: 'c', metadata: {}, capacity: { cpu: 1 } },
  ];
  const units = [unit('big.service', { resources: { memory: 5 * G } }), unit('cpu.service', { resources: { cpu: 0.5 } }), unit('small.service', { resources: { memory: 1 * G } })];
  const { state, unit: u, m } = stateFor(snapshot(machines, units));
  const room = state.roomIndex();
  assert.deepEqual(room.withRoom(u('cpu.service').requests, 10), [m('a'), m('b'), m('c')]);
  assert.deepEqual(room.withRoom(u('small.service').requests, 10), [m('a'), m('b')], 'a machine without memory has none free');
  state.add(u('big.service'), m('a'));
  assert.deepEqual(room.withRoom(u('cpu.service').requests, 10), [m('b'), m('c')], 'over-committed on memory: no room for cpu either');
  assert.deepEqual(room.withRoom(u('cpu.service').requests, 1), undefined, 'more than the limit');
  state.remove(u('big.service'), m('a'));
  assert.deepEqual(room.withRoom(u('cpu.service').requests, 10), [m('a'), m('b'), m('c')]);
});

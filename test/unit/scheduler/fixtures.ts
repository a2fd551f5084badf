/**
 * Builders for scheduler tests: terse snapshots, a placement state for
 * filter tests, and a one-line-per-decision summary so table tests compare
 * whole plans.
 */
import { NO_REQUIREMENTS, type UnitRequirements } from '../../../src/units/requirements.js';
import type { ClusterSnapshot, MachineSnapshot, Plan, UnitSnapshot } from '../../../src/scheduler/types.js';
import { prepare } from '../../../src/scheduler/prepare.js';
import { PlacementState } from '../../../src/scheduler/state.js';
import type { PlanUnit } from '../../../src/scheduler/model.js';
import type { DesiredState } from '../../../src/domain/index.js';

/** Requirements in test-friendly form (metadata as a record). */
export interface Req extends Partial<Omit<UnitRequirements, 'metadata'>> {
  metadata?: Record<string, string[]>;
}

/** Full requirements from a partial description. */
export function req(r: Req = {}): UnitRequirements {
  const { metadata, ...rest } = r;
  return { ...NO_REQUIREMENTS, ...rest, metadata: new Map(Object.entries(metadata ?? {})) };
}

/** A unit snapshot, `launched` unless told otherwise. */
export function unit(name: string, r: Req = {}, desiredState: DesiredState = 'launched'): UnitSnapshot {
  return { name, desiredState, requirements: req(r) };
}

/** A machine snapshot. */
export function machine(id: string, metadata: Record<string, string> = {}): MachineSnapshot {
  return { id, metadata };
}

/** A snapshot; `schedule` as a record of unit -> machine ids. */
export function snapshot(
  machines: readonly MachineSnapshot[],
  units: readonly UnitSnapshot[],
  schedule: Record<string, string[]> = {},
): ClusterSnapshot {
  return { machines, units, schedule: new Map(Object.entries(schedule)) };
}

/** `-unit@machine` for unschedules and `+unit@machine` for schedules, in plan order. */
export function summary(plan: Plan): string[] {
  return plan.decisions.map((d) => `${d.kind === 'schedule' ? '+' : '-'}${d.unit}@${d.machine}`);
}

/** A placement state for `snap` with its schedule placed as-is (no checks), for filter tests. */
export function stateFor(snap: ClusterSnapshot): {
  state: PlacementState;
  unit: (name: string) => PlanUnit;
  m: (id: string) => number;
} {
  const prepared = prepare(snap);
  const state = new PlacementState(prepared.machines, prepared.units);
  const m = (id: string) => {
    const found = prepared.machines.find((x) => x.id === id);
    if (found === undefined) throw new Error(`no machine ${id}`);
    return found.index;
  };
  const unitOf = (name: string) => {
    const u = prepared.units.get(name);
    if (u === undefined) throw new Error(`no active unit ${name}`);
    return u;
  };
  for (const [name, ids] of snap.schedule) for (const id of ids) state.add(unitOf(name), m(id));
  return { state, unit: unitOf, m };
}

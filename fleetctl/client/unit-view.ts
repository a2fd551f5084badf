/**
 * How the API derives a unit's `currentState` and `machineID` from the
 * registry (pure), so the etcd driver shows exactly what the API driver does.
 */
import type { DesiredState, ScheduleEntry, UnitRecord, UnitStateRecord } from '../../src/registry/index.js';
import { extractRequirements } from '../../src/units/index.js';
import type { FleetUnit } from './types.js';

/** True when the unit's `[X-Fleet]` says `Global=true`. Never throws. */
export function isGlobalUnit(unit: { readonly name: string; readonly options: FleetUnit['options'] }): boolean {
  return extractRequirements(unit.options, unit.name).requirements.global;
}

/**
 * The API view of one unit. A global unit gets no machine and a current
 * state of `inactive` in lists, none for a single unit (`listed` false), as
 * fleet's API. An ordinary unit is `inactive` unless it is scheduled and its
 * machine reported a state for the scheduled hash; then `launched` when
 * systemd says active, else `loaded`.
 * @param schedule the unit's schedule entries (any order)
 * @param states the unit's state reports (any machines)
 */
export function deriveUnitView(
  unit: UnitRecord,
  desired: DesiredState,
  schedule: readonly ScheduleEntry[],
  states: readonly UnitStateRecord[],
  listed: boolean,
): FleetUnit {
  const base = { name: unit.name, options: unit.options, desiredState: desired };
  if (isGlobalUnit(unit)) return listed ? { ...base, currentState: 'inactive' } : base;
  // An ordinary unit has one entry; should the engine be mid-repair, the lowest machine id wins for determinism.
  const entry = [...schedule].sort((a, b) => (a.machineId < b.machineId ? -1 : a.machineId > b.machineId ? 1 : 0))[0];
  if (entry === undefined) return { ...base, currentState: 'inactive' };
  const state = states.find((s) => s.machineId === entry.machineId && s.hash === entry.hash);
  const currentState: DesiredState = state === undefined ? 'inactive' : state.activeState === 'active' ? 'launched' : 'loaded';
  return { ...base, currentState, machineId: entry.machineId };
}

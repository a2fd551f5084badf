/**
 * Removing units mid-pass: a unit leaving a machine takes its MachineOf
 * followers on that machine with it, and a unit arriving on a machine
 * displaces the units it Replaces there.
 */
import type { MachineIndex, PlanUnit } from './model.js';
import type { PlacementState } from './state.js';
import { canDisplace } from './filters/replaces.js';

/** Called for every unit taken off machine `m`, with why. */
export type OnRemoved = (unit: PlanUnit, m: MachineIndex, reason: string) => void;

/** Removes `unit` from `m`, then (recursively) its followers on `m`. */
export function removeWithFollowers(
  unit: PlanUnit,
  m: MachineIndex,
  state: PlacementState,
  reason: string,
  onRemoved: OnRemoved,
): void {
  if (!state.hosts(m, unit)) return;
  state.remove(unit, m);
  onRemoved(unit, m, reason);
  for (const name of unit.followers) {
    const follower = state.unit(name);
    if (follower !== undefined) {
      removeWithFollowers(follower, m, state, `peer ${unit.name} left machine ${state.machines[m]!.id}`, onRemoved);
    }
  }
}

/** After `unit` was placed on `m`: moves off `m` every unit it replaces and may displace. */
export function displaceReplaced(unit: PlanUnit, m: MachineIndex, state: PlacementState, onRemoved: OnRemoved): void {
  if (unit.replaceTargets.size === 0) return;
  for (const [name, victim] of [...state.unitsOn(m)]) {
    if (!unit.replaceTargets.has(name) || !canDisplace(unit, victim)) continue;
    removeWithFollowers(victim, m, state, `replaced by ${unit.name} on machine ${state.machines[m]!.id}`, onRemoved);
  }
}

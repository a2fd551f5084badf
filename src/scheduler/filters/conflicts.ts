/**
 * Conflicts: two units may not share a machine when either one's
 * `Conflicts=` globs match the other's name (symmetric, as in fleet).
 */
import { OK, sharedVerdict, type Filter, type Rejection } from '../filter.js';
import type { MachineIndex, PlanUnit } from '../model.js';
import type { PlacementView } from '../state.js';
import type { Exclusion } from '../candidates.js';

/** Rejects machines hosting a unit this one conflicts with, in either direction. */
export const conflictsFilter: Filter = {
  name: 'Conflicts',
  acceptsAll: (unit) => unit.conflicts.length === 0 && unit.conflictedBy.length === 0,
  key: (unit) => exclusionKey(unit.conflicts, unit.conflictedBy),
  check(unit, m, view) {
    const conflicts = unit.conflicts;
    for (let i = 0; i < conflicts.length; i++) {
      const p = conflicts[i]!;
      if (view.conflicts.hosted(m, p) === 0) continue;
      return conflictRejection(view, m, unit, p, false);
    }
    const conflictedBy = unit.conflictedBy;
    for (let i = 0; i < conflictedBy.length; i++) {
      const p = conflictedBy[i]!;
      if (view.conflicts.declared(m, p) === 0) continue;
      return conflictRejection(view, m, unit, p, true);
    }
    return OK;
  },
  verdict(unit, m, view) {
    const conflicts = unit.conflicts;
    for (let i = 0; i < conflicts.length; i++) if (view.conflicts.hosted(m, conflicts[i]!) > 0) return sharedVerdict('Conflicts', 'not-now', conflicts[i]!);
    const conflictedBy = unit.conflictedBy;
    for (let i = 0; i < conflictedBy.length; i++) if (view.conflicts.declared(m, conflictedBy[i]!) > 0) return sharedVerdict('Conflicts', 'not-now', conflictedBy[i]!);
    return OK;
  },
};

/**
 * The rejection for pattern `p` on `m`: a unit there matching it
 * (`declared` false) or declaring it (true). Its reason, which names that
 * unit, is written when first read, which must be before the units on `m`
 * change (as every reader does: at once): an explanation asks every
 * machine and reads one reason per filter.
 */
function conflictRejection(view: PlacementView, m: MachineIndex, unit: PlanUnit, p: string, declared: boolean): Rejection {
  let reason: string | undefined;
  return {
    ok: false,
    filter: 'Conflicts',
    kind: 'not-now',
    get reason() {
      if (reason === undefined) {
        const other = declared ? findOn(view, m, unit, (o) => o.conflicts.includes(p)) : findOn(view, m, unit, (o) => o.conflictedBy.includes(p));
        reason = declared ? `${other} conflicts with it (${p})` : `conflicts with ${other}`;
      }
      return reason;
    },
    constraint: p,
  };
}

/** True when `m` hosts a unit `unit` conflicts with, in either direction: exactly the machines {@link conflictsFilter} rejects. */
export function conflictBlocked(unit: PlanUnit, m: MachineIndex, view: PlacementView): boolean {
  const conflicts = unit.conflicts;
  for (let i = 0; i < conflicts.length; i++) if (view.conflicts.hosted(m, conflicts[i]!) > 0) return true;
  const conflictedBy = unit.conflictedBy;
  for (let i = 0; i < conflictedBy.length; i++) if (view.conflicts.declared(m, conflictedBy[i]!) > 0) return true;
  return false;
}

/**
 * The machines {@link conflictsFilter} rejects for `unit`, as an exclusion
 * for ordered walks (it changes only when units are added to or removed
 * from a machine); undefined for a unit without Conflicts relations. Units
 * with the same relations share its key.
 */
export function conflictExclusion(unit: PlanUnit, view: PlacementView): Exclusion | undefined {
  if (unit.conflicts.length === 0 && unit.conflictedBy.length === 0) return undefined;
  return { key: exclusionKey(unit.conflicts, unit.conflictedBy), excluded: (m) => conflictBlocked(unit, m, view) };
}

/**
 * Per `conflicts` list, per `conflictedBy` list: the key text. Units with
 * one content share their lists (`derive.ts`, `prepare.ts`), so a pass
 * builds a few keys, not one per unit with Conflicts (and no per-unit entry
 * for the garbage collector to trace).
 */
const exclusionKeys = new WeakMap<readonly string[], WeakMap<readonly string[], string>>();

function exclusionKey(conflicts: readonly string[], conflictedBy: readonly string[]): string {
  let byConflictedBy = exclusionKeys.get(conflicts);
  if (byConflictedBy === undefined) exclusionKeys.set(conflicts, (byConflictedBy = new WeakMap()));
  let key = byConflictedBy.get(conflictedBy);
  if (key === undefined) byConflictedBy.set(conflictedBy, (key = `Conflicts:${JSON.stringify([conflicts, conflictedBy])}`));
  return key;
}

/** Name of the first other unit on `m` satisfying `test` (the counters guarantee there is one). */
export function findOn(view: PlacementView, m: MachineIndex, unit: PlanUnit, test: (other: PlanUnit) => boolean): string {
  // Over the values (each unit is kept under its name): no [name, unit] pair per unit looked at.
  for (const other of view.unitsOn(m).values()) {
    if (other.name !== unit.name && test(other)) return other.name;
  }
  return 'another unit';
}

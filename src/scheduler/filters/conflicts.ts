/**
 * Conflicts: two units may not share a machine when either one's
 * `Conflicts=` globs match the other's name (symmetric, as in fleet).
 */
import { OK, reject, type Filter } from '../filter.js';
import type { MachineIndex, PlanUnit } from '../model.js';
import type { PlacementView } from '../state.js';

/** Rejects machines hosting a unit this one conflicts with, in either direction. */
export const conflictsFilter: Filter = {
  name: 'Conflicts',
  check(unit, m, view) {
    for (const p of unit.conflicts) {
      if (view.conflicts.hosted(m, p) === 0) continue;
      const other = findOn(view, m, unit, (o) => o.conflictedBy.includes(p));
      return reject('Conflicts', 'not-now', `conflicts with ${other}`, p);
    }
    for (const p of unit.conflictedBy) {
      if (view.conflicts.declared(m, p) === 0) continue;
      const other = findOn(view, m, unit, (o) => o.conflicts.includes(p));
      return reject('Conflicts', 'not-now', `${other} conflicts with it (${p})`, p);
    }
    return OK;
  },
};

/** Name of the first other unit on `m` satisfying `test` (the counters guarantee there is one). */
export function findOn(view: PlacementView, m: MachineIndex, unit: PlanUnit, test: (other: PlanUnit) => boolean): string {
  for (const [name, other] of view.unitsOn(m)) {
    if (name !== unit.name && test(other)) return name;
  }
  return 'another unit';
}

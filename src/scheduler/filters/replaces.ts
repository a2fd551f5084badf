/**
 * Replaces: the unit that declares `Replaces=` displaces the units it names
 * from its machine (they are moved, and their own constraints are checked
 * where they go: fix of fleet quirk #3). So a unit may not go where a unit
 * that replaces it runs, nor where a unit it replaces cannot be displaced:
 * a global unit, a unit in the same Replaces cycle (circular replaces are
 * reported and kept apart instead), or one of its own MachineOf peers.
 */
import { OK, reject, type Filter } from '../filter.js';
import type { PlanUnit } from '../model.js';
import { findOn } from './conflicts.js';

/** Rejects machines hosting a unit that replaces this one, or one this one replaces but may not displace. */
export const replacesFilter: Filter = {
  name: 'Replaces',
  acceptsAll: (unit) => unit.replacedBy.length === 0 && unit.replaces.length === 0,
  check(unit, m, view) {
    const replacedBy = unit.replacedBy;
    for (let i = 0; i < replacedBy.length; i++) {
      const p = replacedBy[i]!;
      if (view.replaces.declared(m, p) === 0) continue;
      const other = findOn(view, m, unit, (o) => o.replaces.includes(p));
      return reject('Replaces', 'not-now', `replaced by ${other} on this machine`, p);
    }
    const replaces = unit.replaces;
    for (let i = 0; i < replaces.length; i++) {
      const p = replaces[i]!;
      if (view.replaces.hosted(m, p) === 0) continue;
      for (const [n, other] of view.unitsOn(m)) {
        if (n === unit.name || !other.replacedBy.includes(p)) continue;
        if (!canDisplace(unit, other)) return reject('Replaces', 'not-now', `replaces ${n} but cannot displace it`, p);
      }
    }
    return OK;
  },
};

/** True when placing `unit` next to `victim` (whose name its Replaces= matches) moves `victim` away. */
export function canDisplace(unit: PlanUnit, victim: PlanUnit): boolean {
  if (victim.global) return false;
  if (unit.replaceCycle !== undefined && unit.replaceCycle === victim.replaceCycle) return false;
  return !unit.requirements.machineOf.includes(victim.name);
}

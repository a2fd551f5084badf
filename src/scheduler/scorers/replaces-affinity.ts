/**
 * A unit that declares `Replaces=` goes where a unit it replaces runs (that
 * unit is then moved elsewhere), so an upgrade lands on the machine of what it
 * upgrades; when none of those machines can take it, it goes anywhere.
 * A sparse scorer: 100 on those machines, 0 everywhere else.
 */
import type { MachineIndex } from '../model.js';
import type { Scorer } from './scorer.js';
import { canDisplace } from '../filters/replaces.js';

/** Favours the machines hosting units this one replaces and may displace. */
export const replacesAffinity: Scorer = {
  name: 'ReplacesAffinity',
  score(unit, m, view) {
    if (unit.replaceTargets.size === 0) return 0;
    for (const [name, victim] of view.unitsOn(m)) {
      if (unit.replaceTargets.has(name) && canDisplace(unit, victim)) return 100;
    }
    return 0;
  },
  favoured(unit, view) {
    if (unit.replaceTargets.size === 0) return [];
    const out = new Set<MachineIndex>();
    for (const name of unit.replaceTargets) {
      const victim = view.unit(name);
      if (victim === undefined || !canDisplace(unit, victim)) continue;
      for (const m of view.machinesOf(name)) out.add(m);
    }
    return [...out];
  },
};

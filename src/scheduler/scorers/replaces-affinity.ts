/**
 * A unit that declares `Replaces=` goes where a unit it replaces runs (that
 * unit is then moved elsewhere), so an upgrade lands on the machine of what it
 * upgrades; when none of those machines can take it, it goes anywhere.
 */
import type { MachineIndex } from '../model.js';
import type { Preference } from './scorer.js';
import { canDisplace } from '../filters/replaces.js';

/** Favours the machines hosting units this one replaces and may displace. */
export const replacesAffinity: Preference = {
  name: 'ReplacesAffinity',
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

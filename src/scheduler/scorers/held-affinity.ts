/**
 * A unit goes back to the machine that still runs it after a registry reset
 * (its agent holds it and says so in its record; see `MachineSnapshot.held`),
 * so restoring a wiped registry restarts nothing. Only where the filters
 * allow: a unit whose constraints no longer hold there goes elsewhere, and
 * the held copy is stopped when the hold ends. A sparse scorer: 100 on
 * those machines, 0 everywhere else.
 */
import type { Scorer } from './scorer.js';

/** Favours the machines holding the unit. */
export const heldAffinity: Scorer = {
  name: 'HeldAffinity',
  score(unit, m) {
    return unit.heldOn.includes(m) ? 100 : 0;
  },
  favoured(unit) {
    return unit.heldOn;
  },
};

/**
 * The `binpack` strategy (Kubernetes' MostAllocated): the fullest machine
 * that fits, by the used fraction after placement of what the unit
 * requests, so other machines stay empty. When a unit must open an empty
 * machine, it opens the one with the most room for it (as spread would), so
 * a later, bigger unit still finds a machine it fits on.
 */
import type { Scorer } from './scorer.js';

/** Non-empty machines 50..100 by used fraction after placement; empty ones 0..50 by free fraction after placement. */
export const mostAllocated: Scorer = {
  name: 'MostAllocated',
  score(unit, m, view) {
    if (unit.scoreRequests.length === 0) return 0;
    let used = 0;
    for (const [name, v] of unit.scoreRequests) used += view.resources.allocatable(m, name) > 0 ? view.resources.usedFractionWith(m, name, v) : 0;
    const fraction = used / unit.scoreRequests.length;
    return view.loads.load(m) > 0 ? 50 + 50 * fraction : 50 * (1 - fraction);
  },
};

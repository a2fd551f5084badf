/**
 * The `spread` strategy once units request resources (Kubernetes'
 * LeastAllocated): the machine with the largest free fraction of what the
 * unit requests, after placing it, averaged over those resources. A unit
 * that requests neither cpu nor memory counts as the policy's best-effort
 * default, so such units do not all pile onto one machine.
 */
import type { Scorer } from './scorer.js';

/** 100 × mean free fraction after placement of the resources the unit is scored on. */
export const leastAllocated: Scorer = {
  name: 'LeastAllocated',
  score(unit, m, view) {
    if (unit.scoreRequests.length === 0) return 100;
    let free = 0;
    for (const [name, v] of unit.scoreRequests) free += 1 - view.resources.usedFractionWith(m, name, v);
    return (100 * free) / unit.scoreRequests.length;
  },
};

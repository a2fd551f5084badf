/**
 * The `spread` strategy once units request resources (Kubernetes'
 * LeastAllocated): the machine with the largest free fraction of what the
 * unit requests, after placing it, averaged over those resources. A unit
 * that requests neither cpu nor memory counts as the policy's best-effort
 * default, so such units do not all pile onto one machine. A machine that
 * would be over-full scores below 0 (only best-effort units' defaults can
 * make it so: the Resources filter refuses real over-commitment), so the
 * score stays linear in the used fractions, which lets `allocation-order.ts`
 * rank machines of one shape without scoring each.
 */
import type { Scorer } from './scorer.js';

/** 100 × mean free fraction after placement of the resources the unit is scored on; a resource the machine lacks counts as full. */
export const leastAllocated: Scorer = {
  name: 'LeastAllocated',
  score(unit, m, view) {
    if (unit.scoreRequests.length === 0) return 100;
    const free = view.resources.freeFractionSumWith(m, unit.scoreRequests);
    return (100 * free) / unit.scoreRequests.length;
  },
};

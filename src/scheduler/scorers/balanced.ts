/**
 * `balanced` (Kubernetes' BalancedResourceAllocation): prefer machines whose
 * cpu and memory used fractions stay close after placement, so neither runs
 * out while the other idles.
 */
import type { Scorer } from './scorer.js';

/** 100 × (1 − |cpu fraction − memory fraction|) after placement. */
export const balanced: Scorer = {
  name: 'Balanced',
  score(unit, m, view) {
    const amount = (name: string) => unit.scoreRequests.find(([n]) => n === name)?.[1] ?? 0;
    const cpu = view.resources.usedFractionWith(m, 'cpu', amount('cpu'));
    const memory = view.resources.usedFractionWith(m, 'memory', amount('memory'));
    return 100 * (1 - Math.abs(cpu - memory));
  },
};

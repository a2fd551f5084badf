/**
 * Least-loaded, as in fleet: fewest units first (ordinary and global units
 * alike). As a score: 100 on the least possible load (0), 0 on the most
 * loaded machine of the pass, linear in between, so fewer units is always a
 * higher score and equal loads score equally (ties go to the machine id).
 */
import type { Scorer } from './scorer.js';

/** Scores machines by current unit count: fewer is better. */
export const leastLoaded: Scorer = {
  name: 'LeastLoaded',
  score(_unit, m, view) {
    const most = view.loads.most();
    return most === 0 ? 100 : (100 * (most - view.loads.load(m))) / most;
  },
};

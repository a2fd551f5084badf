/**
 * Least-loaded ranking, as in fleet: fewest units first (ordinary and global
 * units alike), ties by machine id (string compare, which is the machine
 * index order).
 */
import type { Ranking } from './scorer.js';

/** Ranks machines by current unit count, then id. */
export const leastLoaded: Ranking = {
  name: 'LeastLoaded',
  score(m, view) {
    return view.loads.load(m);
  },
  walk(candidates, view) {
    if (candidates.key !== undefined) return view.loads.walk(candidates.key, candidates.machines);
    return [...candidates.machines].sort((a, b) => view.loads.load(a) - view.loads.load(b) || a - b);
  },
};

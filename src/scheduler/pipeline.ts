/**
 * The placement pipeline, assembled in one place and read top to bottom. A
 * new constraint is one more file under `filters/` and one line here; a new
 * scorer likewise under `scorers/`, with its weight. Ordinary and global
 * units go through the same pipeline.
 */
import type { Filter, PreFilter } from './filter.js';
import type { Scorer, WeightedScorer } from './scorers/scorer.js';
import { machineIdFilter, machineIdPreFilter } from './filters/machine-id.js';
import { machineMetadataFilter, machineMetadataPreFilter } from './filters/machine-metadata.js';
import { machineOfFilter, machineOfPreFilter } from './filters/machine-of.js';
import { conflictsFilter } from './filters/conflicts.js';
import { replacesFilter } from './filters/replaces.js';
import { cordonFilter } from './filters/cordon.js';
import { resourcesFilter } from './filters/resources.js';
import { replacesAffinity } from './scorers/replaces-affinity.js';
import { heldAffinity } from './scorers/held-affinity.js';
import { leastLoaded } from './scorers/least-loaded.js';
import { leastAllocated } from './scorers/least-allocated.js';
import { mostAllocated } from './scorers/most-allocated.js';
import { seededRandom } from './scorers/random.js';
import { balanced } from './scorers/balanced.js';
import { spreadBy } from './scorers/spread-by.js';
import { DEFAULT_POLICY, type PlacementPolicy, type Strategy } from './policy.js';

/** The steps that choose a machine for a unit. */
export interface Pipeline {
  /** Narrow the candidate machines once per unit (intersection of all). */
  readonly preFilters: readonly PreFilter[];
  /** Yes/no per machine, in order; the first "no" is the reason reported. */
  readonly filters: readonly Filter[];
  /**
   * Order in which feasible candidates are tried: highest weighted mean score
   * first, ties by machine id (`scorers/ranker.ts`). With least-loaded as
   * the only dense scorer the ranker needs no per-machine scoring.
   */
  readonly scorers: readonly WeightedScorer[];
}

/** Weight of {@link replacesAffinity}: more than every other default weight together, so it decides first. */
export const REPLACES_AFFINITY_WEIGHT = 10;

/**
 * The pipeline for `policy`: fleet's filters plus Resources, then the
 * strategy's scorer (weight 1), the policy's extra scorers, Replaces
 * affinity and held affinity (after a registry reset). With the default policy and no unit requesting anything, this
 * is exactly fleet's placement (least-loaded, ties by machine id).
 */
export function createPipeline(policy: PlacementPolicy = DEFAULT_POLICY, requestsAnything = false): Pipeline {
  const scorers: WeightedScorer[] = [
    // spread: fewest units, then machine id (fleet's policy) until units request resources.
    { scorer: strategyScorer(policy.strategy, requestsAnything), weight: 1 },
    ...(policy.scorers.balanced !== undefined ? [{ scorer: balanced, weight: policy.scorers.balanced }] : []),
    ...(policy.spreadBy !== undefined ? [{ scorer: spreadBy(policy.spreadBy), weight: policy.scorers.spreadBy ?? 1 }] : []),
    // An upgrade goes where the unit it replaces runs: its 100 x 10 outweighs
    // any least-loaded difference (at most 100 x 1), as fleet always did.
    { scorer: replacesAffinity, weight: REPLACES_AFFINITY_WEIGHT },
  ];
  // A unit still running somewhere after a registry reset goes back there:
  // weighed more than all the others together, so it always decides first.
  scorers.push({ scorer: heldAffinity, weight: 1 + scorers.reduce((sum, s) => sum + s.weight, 0) });
  return {
    // Cheap narrowing: the pinned machine, the metadata class, the machines of the peers.
    preFilters: [machineIdPreFilter, machineMetadataPreFilter, machineOfPreFilter],
    // Static constraints first, then those that depend on what is already placed.
    filters: [machineIdFilter, machineMetadataFilter, machineOfFilter, conflictsFilter, replacesFilter, cordonFilter, resourcesFilter],
    scorers,
  };
}

function strategyScorer(strategy: Strategy, requestsAnything: boolean): Scorer {
  switch (strategy) {
    case 'spread':
      return requestsAnything ? leastAllocated : leastLoaded;
    case 'binpack':
      return mostAllocated;
    case 'random':
      return seededRandom;
  }
}

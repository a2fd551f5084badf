/**
 * The placement pipeline, assembled in one place and read top to bottom. A
 * new constraint is one more file under `filters/` and one line here; a new
 * preference or ranking likewise under `scorers/`. Ordinary and global units
 * go through the same pipeline.
 */
import type { Filter, PreFilter } from './filter.js';
import type { Preference, Ranking } from './scorers/scorer.js';
import { machineIdFilter, machineIdPreFilter } from './filters/machine-id.js';
import { machineMetadataFilter, machineMetadataPreFilter } from './filters/machine-metadata.js';
import { machineOfFilter, machineOfPreFilter } from './filters/machine-of.js';
import { conflictsFilter } from './filters/conflicts.js';
import { replacesFilter } from './filters/replaces.js';
import { cordonFilter } from './filters/cordon.js';
import { replacesAffinity } from './scorers/replaces-affinity.js';
import { leastLoaded } from './scorers/least-loaded.js';

/** The steps that choose a machine for a unit. */
export interface Pipeline {
  /** Narrow the candidate machines once per unit (intersection of all). */
  readonly preFilters: readonly PreFilter[];
  /** Yes/no per machine, in order; the first "no" is the reason reported. */
  readonly filters: readonly Filter[];
  /** Machines tried before the ranking's order, in list order. */
  readonly preferences: readonly Preference[];
  /** Order in which all remaining candidates are tried. */
  readonly ranking: Ranking;
}

/** fleet's placement policy, with the fixes listed in the scheduler's docs. */
export function createPipeline(): Pipeline {
  return {
    // Cheap narrowing: the pinned machine, the metadata class, the machines of the peers.
    preFilters: [machineIdPreFilter, machineMetadataPreFilter, machineOfPreFilter],
    // Static constraints first, then those that depend on what is already placed.
    filters: [machineIdFilter, machineMetadataFilter, machineOfFilter, conflictsFilter, replacesFilter, cordonFilter],
    // An upgrade goes where the unit it replaces runs.
    preferences: [replacesAffinity],
    // Everything else: fewest units, then machine id.
    ranking: leastLoaded,
  };
}

/**
 * Scoring contracts. A feasible machine is chosen in two steps: machines a
 * {@link Preference} favours are tried first (best ranked first), then every
 * remaining candidate in {@link Ranking} order. The first machine that passes
 * all filters wins, which is the best-scored feasible machine without scoring
 * every machine for every unit.
 */
import type { MachineIndex, PlanUnit } from '../model.js';
import type { PlacementView } from '../state.js';
import type { CandidateSet } from '../candidates.js';

/** A soft preference for a few machines (sparse score). */
export interface Preference {
  readonly name: string;
  /** Machines to try before all others; empty for no preference. */
  favoured(unit: PlanUnit, view: PlacementView): readonly MachineIndex[];
}

/** The base order every candidate is tried in (dense score). */
export interface Ranking {
  readonly name: string;
  /** Lower is better; ties are broken by machine id. */
  score(m: MachineIndex, view: PlacementView): number;
  /** `candidates` by ascending (score, machine id). Must not be iterated across a placement. */
  walk(candidates: CandidateSet, view: PlacementView): Iterable<MachineIndex>;
}

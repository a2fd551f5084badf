/**
 * Scoring contracts (Nomad/Kubernetes style). Every machine that passes the
 * filters gets a score from each scorer, 0 (worst) to 100 (best); the ranker
 * (`ranker.ts`) orders candidates by the weighted mean of those scores,
 * highest first, ties by machine id, and the first machine that passes every
 * filter wins.
 */
import type { MachineIndex, PlanUnit } from '../model.js';
import type { PlacementView } from '../state.js';

/** How good a machine is for a unit. */
export interface Scorer {
  /** Shown to operators and used in policies, e.g. `LeastLoaded`. */
  readonly name: string;
  /**
   * 0..100, higher is better, for `unit` on machine `m` given what is already
   * placed in this pass (`view`). Pure; may read the unit, the machine and the
   * view, nothing else. A scorer that reads unit data beyond its requirements
   * must make that data part of the unit's signature (see `PlanUnit.signature`).
   */
  score(unit: PlanUnit, m: MachineIndex, view: PlacementView): number;
  /**
   * Set on sparse scorers: the only machines that may score above 0 for
   * `unit` (e.g. the machines of the units it replaces). Lets the ranker
   * score a few machines instead of all of them.
   */
  favoured?(unit: PlanUnit, view: PlacementView): readonly MachineIndex[];
  /**
   * Set when the score depends on the machine only through its value of
   * this metadata key (e.g. spreadBy's `az`): machines with one value score
   * alike, so the ranker may rank them as one group.
   */
  readonly groupsBy?: string;
}

/** A scorer and how much it counts. */
export interface WeightedScorer {
  readonly scorer: Scorer;
  /** > 0. A machine's total is sum(weight * score) / sum(weight), so 0..100. */
  readonly weight: number;
}

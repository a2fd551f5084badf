/**
 * The filter contracts of the placement pipeline (Kubernetes-framework
 * style): pre-filters narrow the candidate set once per unit, filters answer
 * yes/no for one machine with a named reason.
 */
import type { MachineIndex, PlanUnit } from './model.js';
import type { PlacementView } from './state.js';
import type { CandidateSet } from './candidates.js';

/** Names of the constraints, as shown to operators. */
export type FilterName = 'MachineID' | 'MachineMetadata' | 'MachineOf' | 'Conflicts' | 'Replaces' | 'Cordon';

/** A filter's "no". */
export interface Rejection {
  readonly ok: false;
  readonly filter: FilterName;
  /** Human reason for this machine, e.g. `conflicts with web@2.service`. */
  readonly reason: string;
  /** The unit's requirement that failed, used to group rejections, e.g. `web@*` or `region=eu`. */
  readonly constraint: string;
}

/** A filter's answer for one unit on one machine. */
export type FilterResult = { readonly ok: true } | Rejection;

/** The shared "yes". */
export const OK: FilterResult = Object.freeze({ ok: true as const });

/** One constraint: may `unit` be on machine `m`, given what is already placed (`m` must not hold `unit` itself)? */
export interface Filter {
  readonly name: FilterName;
  /**
   * Only asked about placements a unit does not have yet: a unit already
   * on a machine keeps it whatever this filter would say (e.g. Cordon).
   */
  readonly newPlacementsOnly?: boolean;
  check(unit: PlanUnit, m: MachineIndex, view: PlacementView): FilterResult;
}

/** The filters that decide whether a unit may keep a machine it already has. */
export function keepFilters(filters: readonly Filter[]): readonly Filter[] {
  return filters.some((f) => f.newPlacementsOnly) ? filters.filter((f) => !f.newPlacementsOnly) : filters;
}

/**
 * Narrows the machines a unit can go to before any per-machine check.
 * Returns undefined when it does not restrict the unit; otherwise exactly the
 * machines the {@link Filter} of the same name accepts in the current state,
 * so that filter need not run again on them.
 */
export interface PreFilter {
  readonly name: FilterName;
  narrow(unit: PlanUnit, view: PlacementView): CandidateSet | undefined;
}

/** Runs `filters` in order; returns the first rejection, or {@link OK}. */
export function runFilters(filters: readonly Filter[], unit: PlanUnit, m: MachineIndex, view: PlacementView): FilterResult {
  for (const f of filters) {
    const r = f.check(unit, m, view);
    if (!r.ok) return r;
  }
  return OK;
}

/** Builds a rejection. */
export function reject(filter: FilterName, reason: string, constraint: string): Rejection {
  return { ok: false, filter, reason, constraint };
}

/**
 * The filter contracts of the placement pipeline (Kubernetes-framework
 * style): pre-filters narrow the candidate set once per unit, filters answer
 * yes/no for one machine with a named reason.
 */
import type { MachineIndex, PlanUnit } from './model.js';
import type { PlacementView } from './state.js';
import type { CandidateSet } from './candidates.js';

/** Names of the constraints, as shown to operators. */
export type FilterName = 'MachineID' | 'MachineMetadata' | 'MachineOf' | 'Conflicts' | 'Replaces' | 'Cordon' | 'Resources';

/**
 * How lasting a "no" is (Kubernetes' Unschedulable vs UnschedulableAndUnresolvable):
 * - `never`: the answer depends only on the unit's own requirements and the
 *   machine's record (its id, its metadata). Nothing the scheduler can do
 *   (moving, stopping or preempting other units, waiting) changes it; only
 *   editing the unit, or the machine's configuration, does. MachineID and
 *   MachineMetadata say `never`. A unit pinned to a machine that is not
 *   registered is `never` on every registered machine: it waits for that
 *   machine to join (a new machine is a new answer, not a changed one).
 * - `not-now`: the answer depends on what runs where, or on a passing
 *   condition of the machine, and may change by itself: Conflicts, MachineOf,
 *   Replaces, capacity taken by other units, and Cordon (it lifts with time or
 *   when the machine leaves). Moving or stopping other units may help, except
 *   for Cordon, which only time does.
 */
export type RejectionKind = 'not-now' | 'never';

/** A filter's "no". */
export interface Rejection {
  readonly ok: false;
  readonly filter: FilterName;
  /** Whether this machine may take the unit later without the unit or the machine changing (see {@link RejectionKind}). */
  readonly kind: RejectionKind;
  /** Human reason for this machine, e.g. `conflicts with web@2.service`. */
  readonly reason: string;
  /** The unit's requirement that failed, used to group rejections, e.g. `web@*` or `region=eu`. */
  readonly constraint: string;
}

/** A filter's answer for one unit on one machine. */
export type FilterResult = { readonly ok: true } | Rejection;

/**
 * A filter's answer without the rejection's reason: which filter, how
 * lasting, which requirement. What counting and yes/no need; a filter may
 * give it without writing a reason per machine ({@link Filter.verdict}).
 */
export type Verdict = { readonly ok: true } | Omit<Rejection, 'reason'>;

/** The shared "yes". */
export const OK: FilterResult = Object.freeze({ ok: true as const });

/**
 * One constraint: may `unit` be on machine `m` (`view.machines[m]`: id,
 * metadata, capacity, cordon), given the units already placed in this pass
 * (`view.unitsOn(m)`, counters, loads)? `m` must not hold `unit` itself.
 * Reads the unit only through what its signature covers (`PlanUnit.signature`).
 */
export interface Filter {
  readonly name: FilterName;
  /**
   * Only asked about placements a unit does not have yet: a unit already
   * on a machine keeps it whatever this filter would say (e.g. Cordon).
   */
  readonly newPlacementsOnly?: boolean;
  check(unit: PlanUnit, m: MachineIndex, view: PlacementView): FilterResult;
  /**
   * Optional: {@link check}'s answer as a {@link Verdict}, cheaper where a
   * reason costs (it names another unit or formats amounts) and "no" is
   * common: on a full cluster placement and explanations are told "no" by
   * thousands of machines per unit and read at most one reason per filter.
   */
  verdict?(unit: PlanUnit, m: MachineIndex, view: PlacementView): Verdict;
  /**
   * Optional: true when this filter accepts `unit` on every machine of
   * `view` whatever runs where (e.g. the unit has no such requirement, or
   * no machine is cordoned); read only through what the unit's signature
   * covers and the machines' records. An explanation asks every machine,
   * and does not ask such a filter ({@link filtersFor}).
   */
  acceptsAll?(unit: PlanUnit, view: PlacementView): boolean;
  /**
   * Optional: what this filter reads of `unit`, as text: units with equal
   * keys get equal answers from {@link check}, {@link verdict} and
   * {@link summarise} on every machine. Explanations of units whose
   * signatures differ only in what later filters read share this one's
   * answers (`explain-cache.ts`). Without it only the signature says.
   */
  key?(unit: PlanUnit): string;
  /**
   * For explanations: the constraints to show for the machines this filter
   * rejected first (`rejected`, ascending), instead of each rejection's own
   * `constraint`; e.g. `memory: needs 2.0G, most free 1.5G on 1b83f385`.
   */
  summarise?(unit: PlanUnit, rejected: readonly MachineIndex[], view: PlacementView): readonly string[];
}

/** The filters that decide whether a unit may keep a machine it already has. */
export function keepFilters(filters: readonly Filter[]): readonly Filter[] {
  return filters.some((f) => f.newPlacementsOnly) ? filters.filter((f) => !f.newPlacementsOnly) : filters;
}

/** `filters` less those that accept `unit` on every machine ({@link Filter.acceptsAll}): the same first "no" on each machine. */
export function filtersFor(filters: readonly Filter[], unit: PlanUnit, view: PlacementView): readonly Filter[] {
  let out: Filter[] | undefined;
  for (let i = 0; i < filters.length; i++) {
    const f = filters[i]!;
    if (f.acceptsAll?.(unit, view) === true) out ??= filters.slice(0, i);
    else out?.push(f);
  }
  return out ?? filters;
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
  for (let i = 0; i < filters.length; i++) {
    const r = filters[i]!.check(unit, m, view);
    if (!r.ok) return r;
  }
  return OK;
}

/** {@link runFilters} as a {@link Verdict}: the first failing filter, without writing its reason (same filter, kind and constraint). */
export function verdictOf(filters: readonly Filter[], unit: PlanUnit, m: MachineIndex, view: PlacementView): Verdict {
  for (let i = 0; i < filters.length; i++) {
    const f = filters[i]!;
    const r = f.verdict !== undefined ? f.verdict(unit, m, view) : f.check(unit, m, view);
    if (!r.ok) return r;
  }
  return OK;
}

/** The verdict of a rejection by `filter` of `kind` for `constraint`: one shared, frozen value per distinct answer. */
export function sharedVerdict(filter: FilterName, kind: RejectionKind, constraint: string): Verdict {
  // An explanation asks every machine for one unit: consecutive calls mostly want the same verdict.
  const latest = latestVerdict;
  if (latest !== undefined && latest.constraint === constraint && latest.filter === filter && latest.kind === kind) return latest;
  const byFilter = kind === 'never' ? never : notNow;
  let byConstraint = byFilter.get(filter);
  if (byConstraint === undefined) byFilter.set(filter, (byConstraint = new Map()));
  let v = byConstraint.get(constraint);
  if (v === undefined) {
    // Constraints are the units' own requirements (few), but a long-lived process must not keep them all.
    if (byConstraint.size >= MAX_VERDICTS) byConstraint.clear();
    byConstraint.set(constraint, (v = Object.freeze({ ok: false as const, filter, kind, constraint })));
  }
  latestVerdict = v as Exclude<Verdict, { ok: true }>;
  return v;
}

/** The verdict {@link sharedVerdict} gave last. */
let latestVerdict: Exclude<Verdict, { ok: true }> | undefined;

/** Per kind, filter and constraint: the shared verdicts (no text built per machine to look one up). */
const never = new Map<FilterName, Map<string, Verdict>>();
const notNow = new Map<FilterName, Map<string, Verdict>>();
const MAX_VERDICTS = 10_000;

/** Builds a rejection. */
export function reject(filter: FilterName, kind: RejectionKind, reason: string, constraint: string): Rejection {
  return { ok: false, filter, kind, reason, constraint };
}

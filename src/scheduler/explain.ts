/**
 * Why a unit could not be placed: every machine's first failing filter,
 * counted per filter, as data (for the API) and as one line (for fleetctl):
 * `0 of 5 machines eligible: 3 by Conflicts (web@*), 2 by MachineMetadata (region=eu)`.
 */
import type { FilterName, Filter, RejectionKind, Verdict } from './filter.js';
import { filtersFor, runFilters, verdictOf } from './filter.js';
import { machinePosition, type MachineIndex, type PlanUnit } from './model.js';
import type { PlacementView } from './state.js';
import { compareStrings } from './name-index.js';

/** Machines rejected by one filter. */
export interface RejectionCount {
  readonly filter: FilterName;
  /** `never` when every one of these rejections was `never` (see {@link RejectionKind}), else `not-now`. */
  readonly kind: RejectionKind;
  /** How many machines this filter rejected first. */
  readonly machines: number;
  /** The unit's failing requirements (globs, `key=value`, peer names, machine ids), distinct and sorted. */
  readonly constraints: readonly string[];
  /** One example reason, from the first rejected machine (by id). */
  readonly example: string;
}

/** Why `unit` has no machine. */
export interface Explanation {
  readonly unit: string;
  /** Machines considered (all registered machines). */
  readonly machines: number;
  /** Machines that passed every filter when explained (0 unless placement was cut short). */
  readonly eligible: number;
  /** Per filter, most machines first, then filter name. */
  readonly rejections: readonly RejectionCount[];
}

/** Runs every filter on every machine for `unit` (which must not be placed) and counts the first rejection of each. */
export function explainUnplaced(unit: PlanUnit, view: PlacementView, filters: readonly Filter[]): Explanation {
  const asked = filtersFor(filters, unit, view);
  return explanationOf(unit, view, filters, tally(view, (m) => verdictOf(asked, unit, m, view)));
}

/** The machines one filter rejected first, as an explanation is made from them. */
export interface FilterTally {
  /** How many machines. */
  machines: number;
  /** How many of them said `not-now` (the others `never`). */
  notNow: number;
  /** The verdicts' constraints, with how many machines gave each. */
  readonly constraints: Map<string, number>;
  /** The machines, ascending: the first is the example. */
  readonly rejected: MachineIndex[];
  /** The example's text, once written ({@link explanationOf}); undefined: to write (again). */
  example: string | undefined;
  /** The constraints shown (the filter's `summarise`, else `constraints`), sorted, once written; undefined: to write (again). */
  shown: readonly string[] | undefined;
}

/** Each machine's answer for one unit, counted per filter that said "no" first. */
export interface Tally {
  eligible: number;
  readonly byFilter: Map<FilterName, FilterTally>;
}

/**
 * Counts each machine's answer (`answerOn(m)`: the first failing filter's
 * verdict, or OK), asked in machine order. Verdicts are shared values
 * (`sharedVerdict`) and neighbouring machines mostly give the same one:
 * a run of one verdict is counted at once.
 */
export function tally(view: PlacementView, answerOn: (m: MachineIndex) => Verdict): Tally {
  const t: Tally = { eligible: 0, byFilter: new Map() };
  let last: No | undefined;
  let lastEntry: FilterTally | undefined;
  let run = 0;
  const n = view.machines.length;
  for (let m = 0; m < n; m++) {
    const r = answerOn(m);
    if (r.ok) {
      t.eligible++;
      continue;
    }
    if (r !== last) {
      if (run > 0) count(lastEntry!, last!, run);
      last = r;
      lastEntry = entryOf(t, r.filter);
      run = 0;
    }
    run++;
    lastEntry!.rejected.push(m);
  }
  if (run > 0) count(lastEntry!, last!, run);
  return t;
}

/**
 * Updates `t` for machine `m`, whose answer was `was` and is `now`: the
 * counts, and the texts to write again (those read from `m`).
 */
export function retally(t: Tally, m: MachineIndex, was: Verdict, now: Verdict): void {
  if (was.ok) t.eligible--;
  else {
    const entry = t.byFilter.get(was.filter)!;
    count(entry, was, -1);
    const rejected = entry.rejected;
    const at = machinePosition(rejected, m);
    rejected.splice(at, 1);
    if (entry.machines === 0) t.byFilter.delete(was.filter);
    if (at === 0) entry.example = undefined;
    entry.shown = undefined;
  }
  if (now.ok) t.eligible++;
  else {
    const entry = entryOf(t, now.filter);
    count(entry, now, 1);
    const rejected = entry.rejected;
    const at = machinePosition(rejected, m);
    rejected.splice(at, 0, m);
    if (at === 0) entry.example = undefined;
    entry.shown = undefined;
  }
}

/** Marks the texts read from `m` (answering `r`, unchanged) to be written again. */
export function touched(t: Tally, m: MachineIndex, r: Verdict): void {
  if (r.ok) return;
  const entry = t.byFilter.get(r.filter)!;
  if (entry.rejected[0] === m) entry.example = undefined;
  entry.shown = undefined;
}

/** A verdict of "no". */
type No = Exclude<Verdict, { ok: true }>;

function entryOf(t: Tally, filter: FilterName): FilterTally {
  let entry = t.byFilter.get(filter);
  if (entry === undefined) t.byFilter.set(filter, (entry = { machines: 0, notNow: 0, constraints: new Map(), rejected: [], example: undefined, shown: undefined }));
  return entry;
}

/** Adds `n` machines answering `r` (a "no" of `entry`'s filter; `n` below 0 takes them off). */
function count(entry: FilterTally, r: No, n: number): void {
  entry.machines += n;
  if (r.kind === 'not-now') entry.notNow += n;
  const c = (entry.constraints.get(r.constraint) ?? 0) + n;
  if (c === 0) entry.constraints.delete(r.constraint);
  else entry.constraints.set(r.constraint, c);
}

/**
 * The explanation of `unit` from `t`, in the current state. Writes what
 * `t` does not have yet: each filter's example (its first machine's filters
 * are run again for a reason) and the constraints shown (a filter that can
 * say more about its machines as a group, e.g. the most free memory, does).
 */
export function explanationOf(unit: PlanUnit, view: PlacementView, filters: readonly Filter[], t: Tally): Explanation {
  for (const f of filters) {
    const entry = t.byFilter.get(f.name);
    if (entry === undefined) continue;
    if (entry.example === undefined) {
      const first = entry.rejected[0]!;
      entry.example = `${view.machines[first]!.id}: ${reasonOn(filters, unit, first, view)}`;
    }
    // Frozen: kept with the tally and shared by the explanations made from it.
    entry.shown ??= Object.freeze([...(f.summarise !== undefined ? new Set(f.summarise(unit, entry.rejected, view)) : entry.constraints.keys())].sort(compareStrings));
  }
  const rejections = [...t.byFilter]
    .map(([filter, e]): RejectionCount => ({ filter, kind: e.notNow > 0 ? 'not-now' : 'never', machines: e.machines, constraints: e.shown!, example: e.example! }))
    .sort((a, b) => b.machines - a.machines || compareStrings(a.filter, b.filter));
  return { unit: unit.name, machines: view.machines.length, eligible: t.eligible, rejections };
}

/** The reason of the first failing filter on `m` (empty when none fails, which a verdict of "no" rules out). */
function reasonOn(filters: readonly Filter[], unit: PlanUnit, m: MachineIndex, view: PlacementView): string {
  const r = runFilters(filters, unit, m, view);
  return r.ok ? '' : r.reason;
}

/** One line for operators, e.g. `0 of 5 machines eligible: 3 by Conflicts (web@*), 2 by MachineMetadata (region=eu)`. */
export function formatExplanation(e: Explanation): string {
  if (e.machines === 0) return '0 of 0 machines eligible: no machines registered';
  const parts = e.rejections.map((r) => `${r.machines} by ${r.filter} (${r.constraints.join(', ')})`);
  return `${e.eligible} of ${e.machines} machines eligible${parts.length > 0 ? `: ${parts.join(', ')}` : ''}`;
}

/** What {@link unplacedByFilter} counts a unit under when no machine was registered to reject it. */
export const NO_MACHINES = 'NoMachines';

/**
 * Unplaced units per filter, each unit counted once under the filter that
 * rejected most machines for it (its explanation's first), or
 * {@link NO_MACHINES}: the operator's "what keeps units waiting". Pure.
 */
export function unplacedByFilter(explanations: readonly Explanation[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const e of explanations) {
    const filter = e.rejections[0]?.filter ?? NO_MACHINES;
    out.set(filter, (out.get(filter) ?? 0) + 1);
  }
  return out;
}

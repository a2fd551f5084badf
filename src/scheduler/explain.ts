/**
 * Why a unit could not be placed: every machine's first failing filter,
 * counted per filter, as data (for the API) and as one line (for fleetctl):
 * `0 of 5 machines eligible: 3 by Conflicts (web@*), 2 by MachineMetadata (region=eu)`.
 */
import type { FilterName, Filter, RejectionKind, Verdict } from './filter.js';
import { runFilters, verdictOf } from './filter.js';
import type { MachineIndex, PlanUnit } from './model.js';
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
  return summariseRejections(unit, view, filters, (m) => verdictOf(filters, unit, m, view));
}

/**
 * The explanation of `unit` from each machine's answer (`answerOn(m)`:
 * the first failing filter's verdict, or OK), asked in machine order. Only
 * the example of each filter (its first machine) needs a reason: that
 * machine's filters are run again for it, in the current state.
 */
export function summariseRejections(unit: PlanUnit, view: PlacementView, filters: readonly Filter[], answerOn: (m: MachineIndex) => Verdict): Explanation {
  const byFilter = new Map<FilterName, { kind: RejectionKind; machines: number; constraints: Set<string>; example: string; rejected: MachineIndex[] }>();
  let eligible = 0;
  for (const machine of view.machines) {
    const r = answerOn(machine.index);
    if (r.ok) {
      eligible++;
      continue;
    }
    let entry = byFilter.get(r.filter);
    if (entry === undefined) {
      entry = { kind: r.kind, machines: 0, constraints: new Set(), example: `${machine.id}: ${reasonOn(filters, unit, machine.index, view)}`, rejected: [] };
      byFilter.set(r.filter, entry);
    } else if (r.kind === 'not-now') entry.kind = 'not-now';
    entry.machines++;
    entry.constraints.add(r.constraint);
    entry.rejected.push(machine.index);
  }
  // A filter that can say more about its machines as a group (e.g. the most free memory) does.
  for (const f of filters) {
    const entry = byFilter.get(f.name);
    if (entry !== undefined && f.summarise !== undefined) entry.constraints = new Set(f.summarise(unit, entry.rejected, view));
  }
  const rejections = [...byFilter]
    .map(([filter, e]) => ({
      filter,
      kind: e.kind,
      machines: e.machines,
      constraints: [...e.constraints].sort(compareStrings),
      example: e.example,
    }))
    .sort((a, b) => b.machines - a.machines || compareStrings(a.filter, b.filter));
  return { unit: unit.name, machines: view.machines.length, eligible, rejections };
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

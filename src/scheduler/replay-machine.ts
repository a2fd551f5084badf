/**
 * Phases 1 and 2 of a pass (global units, then keeping current placements)
 * redone for one machine. Both phases decide each machine on its own: a
 * filter reads only the machine it is asked about (its record and the units
 * on it), and what phase 1 reserves for current placements is per machine.
 * So for a machine whose current units are known, this gives exactly what a
 * pass from scratch leaves on it after phase 2, in the same order (global
 * units by placement order, then ordinary units by placement order), with
 * the same journal entries: the incremental pass (`carry.ts`) redoes only
 * the machines where something changed.
 */
import type { MachineIndex, PlanUnit } from './model.js';
import type { PlacementState } from './state.js';
import type { Journal } from './journal.js';
import { runFilters, type Filter } from './filter.js';
import { canDisplace } from './filters/replaces.js';

/** What phases 1 and 2 read of the pass: the filters, the global units in placement order, and where the schedule has each. */
export interface ReplayInput {
  /** Every filter of the pipeline (phase 1's new placements). */
  readonly filters: readonly Filter[];
  /** The filters a unit must pass to keep its machine (`keepFilters`). */
  readonly keep: readonly Filter[];
  /** Global units, in placement order. */
  readonly globals: readonly PlanUnit[];
  /** The machines the schedule has global unit `unit` on (known machines only). */
  scheduledOn(unit: PlanUnit): ReadonlySet<MachineIndex>;
}

/**
 * Rebuilds machine `m` of `state` as phases 1 and 2 of a pass from scratch
 * would leave it, given that the schedule's ordinary units there are the
 * ordinary units `state` has on `m` now (each scheduled on `m` only).
 * Returns false when some ordinary unit would not keep `m` (a filter
 * rejects it, or it would displace a unit it replaces): phase 2 would then
 * queue units again, which only a full pass decides; `state` is left
 * half-rebuilt and must be dropped.
 */
export function replayMachine(m: MachineIndex, state: PlacementState, input: ReplayInput, journal: Journal): boolean {
  const here = [...state.unitsOn(m).values()];
  const ordinary = here.filter((u) => !u.global).sort((a, b) => a.rank - b.rank);
  for (const u of here) state.remove(u, m);
  if (input.globals.length > 0) placeGlobals(m, state, input, ordinary, journal);
  for (const u of ordinary) {
    if (!runFilters(input.keep, u, m, state).ok) return false;
    state.add(u, m);
    if (u.replaceTargets.size === 0) continue;
    for (const [name, other] of state.unitsOn(m)) if (u.replaceTargets.has(name) && canDisplace(u, other)) return false;
  }
  return true;
}

/**
 * Phase 1 on machine `m` (`phase-globals.ts`): what current placements
 * hold stays reserved while global units are placed (the ordinary units'
 * and the global units' that may stay), each global unit's own reservation
 * is released at its turn, the ordinary units' at the end.
 */
function placeGlobals(m: MachineIndex, state: PlacementState, input: ReplayInput, ordinary: readonly PlanUnit[], journal: Journal): void {
  const id = state.machines[m]!.id;
  for (const u of ordinary) if (u.requests.length > 0) state.resources.update(m, u.requests, 1);
  const reserved = new Set<PlanUnit>();
  for (const g of input.globals) {
    if (g.requests.length === 0 || !input.scheduledOn(g).has(m)) continue;
    if (!runFilters(input.keep, g, m, state).ok) continue;
    state.resources.update(m, g.requests, 1);
    reserved.add(g);
  }
  for (const g of input.globals) {
    if (reserved.has(g)) state.resources.update(m, g.requests, -1);
    const was = input.scheduledOn(g).has(m);
    const r = runFilters(was ? input.keep : input.filters, g, m, state);
    if (r.ok) {
      state.add(g, m);
      if (!was) journal.placed(g.name, id, 'global unit: machine eligible');
    } else if (was) {
      journal.unplaced(g.name, id, `machine no longer eligible for global unit: ${r.filter}: ${r.reason}`);
    }
  }
  for (const u of ordinary) if (u.requests.length > 0) state.resources.update(m, u.requests, -1);
  // The indexes kept from earlier passes heard of the additions above while reservations were held.
  state.resourcesChanged(m);
}

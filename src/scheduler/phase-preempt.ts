/**
 * Phase 4: preemption. Units still without a machine, most important first
 * (priority, then placement order), may stop units of lower priority on
 * the machine `choosePreemption` picks; the victims go back to the pending
 * queue (they may fit elsewhere) and placement runs again. Rounds repeat
 * until no waiting unit can preempt, so the result is a fixed point: the
 * next pass over it preempts nothing (idempotence).
 *
 * Higher priorities go first, so a unit never preempts its way onto a
 * machine a more important waiting unit could then take from it: that unit
 * had its turn before, and the move leaves what it could free unchanged
 * (the newcomer takes exactly what its victims and the free room gave).
 */
import type { MachineIndex, PlanUnit } from './model.js';
import type { PlacementState } from './state.js';
import type { Pipeline } from './pipeline.js';
import type { Journal } from './journal.js';
import type { OnRemoved } from './evict.js';
import type { Preemption } from './types.js';
import type { PlaceResult } from './phase-place.js';
import { displaceReplaced, removeWithFollowers } from './evict.js';
import { verdictOf } from './filter.js';
import { hasRoom } from './filters/resources.js';
import { unitPriority } from './preempt.js';
import { victimSearchOn } from './victim-search.js';

/** The reason a victim is given, and its explanation while it waits: `preempted by <unit> (priority N)`. */
export function preemptedReason(unit: string, priority: number): string {
  return `preempted by ${unit} (priority ${priority})`;
}

/**
 * Runs preemption rounds after `first` (phase 3's result); `place` runs
 * phase 3 again over what is queued. Returns the final placement result
 * and the preemptions made, in order. `budget` bounds the preemptions.
 */
export function preemptWaiting(
  first: PlaceResult,
  state: PlacementState,
  pipeline: Pipeline,
  journal: Journal,
  requeue: (unit: PlanUnit) => void,
  onRemoved: OnRemoved,
  place: () => PlaceResult,
  shielded: ReadonlySet<string>,
  budget: number,
): { result: PlaceResult; preemptions: Preemption[] } {
  const preemptions: Preemption[] = [];
  let result = first;
  const search = victimSearchOn(state, pipeline, shielded);
  for (;;) {
    const waiting = result.unplaced.filter((u) => !u.global && unitPriority(u) > 0 && u.requests.length > 0);
    if (waiting.length === 0 || preemptions.length >= budget) break;
    waiting.sort((a, b) => unitPriority(b) - unitPriority(a) || a.rank - b.rank);
    const preempted: MachineIndex[] = [];
    let displacing = false;
    const removed: OnRemoved = (u, m, reason) => {
      if (u.replaceTargets.size > 0) displacing = true;
      onRemoved(u, m, reason);
    };
    for (const unit of waiting) {
      if (preemptions.length >= budget) break;
      if (state.machinesOf(unit.name).size > 0) continue;
      const choice = search.choose(unit);
      if (choice === undefined) continue;
      preemptions.push(apply(unit, choice.machine, choice.victims, state, journal, removed));
      preempted.push(choice.machine);
    }
    if (preempted.length === 0) break;
    // The victims go back through placement (`removed` queued them), with the
    // units still waiting that may fit now: see `mayFitAgain`.
    const still = result.unplaced.filter((u) => state.machinesOf(u.name).size === 0);
    displacing ||= result.exhausted || still.some((u) => u.replaceTargets.size > 0);
    const fits = displacing ? undefined : fitsOnAny(preempted, state, pipeline);
    const skipped: PlanUnit[] = [];
    for (const u of still) {
      if (fits === undefined || u.requirements.machineOf.length > 0 || fits(u)) requeue(u);
      else skipped.push(u);
    }
    const placed = place();
    result = skipped.length === 0 ? placed : { unplaced: [...placed.unplaced, ...skipped], exhausted: placed.exhausted };
  }
  return { result, preemptions };
}

/**
 * Whether a unit that waited may fit again after a round of preemptions, in
 * time for the placement that follows: when the previous placement ended it
 * fit on no machine, and since then only the machines preempted on lost
 * units (placements only add constraints). So a unit that fits on none of
 * those now cannot be placed by the next placement either, unless that
 * placement removes units (only a unit with `Replaces=` does, and the caller
 * then requeues everything) or places one of the unit's MachineOf peers (the
 * caller requeues such units). Skipping them leaves the decisions as they
 * were and spares a full search per signature per round. Units with one
 * signature fit the same machines, so each signature is checked once.
 */
function fitsOnAny(machines: readonly MachineIndex[], state: PlacementState, pipeline: Pipeline): (unit: PlanUnit) => boolean {
  const distinct = [...new Set(machines)];
  const known = new Map<string, boolean>();
  const check = (unit: PlanUnit): boolean => {
    for (const m of distinct) {
      if (!hasRoom(unit, m, state)) continue;
      if (verdictOf(pipeline.filters, unit, m, state).ok) return true;
    }
    return false;
  };
  return (unit) => {
    if (unit.signature === undefined) return check(unit);
    let fits = known.get(unit.signature);
    if (fits === undefined) known.set(unit.signature, (fits = check(unit)));
    return fits;
  };
}

/** Takes the victims off `m` and places `unit` there, journaling why. */
function apply(unit: PlanUnit, m: MachineIndex, victims: readonly PlanUnit[], state: PlacementState, journal: Journal, onRemoved: OnRemoved): Preemption {
  const id = state.machines[m]!.id;
  const priority = unitPriority(unit);
  const reason = preemptedReason(unit.name, priority);
  for (const v of victims) removeWithFollowers(v, m, state, reason, onRemoved);
  state.add(unit, m);
  journal.placed(unit.name, id, `preempted ${victims.map((v) => `${v.name} (priority ${unitPriority(v)})`).join(', ')} on machine ${id}`);
  displaceReplaced(unit, m, state, onRemoved);
  return { unit: unit.name, priority, machine: id, victims: victims.map((v) => ({ unit: v.name, priority: unitPriority(v) })) };
}

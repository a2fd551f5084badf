/**
 * Phase 3: ordinary units without a machine are placed in placement order
 * (leaders before followers, so both land in one pass). A placement may
 * displace units it replaces; they are queued again. When the queue drains,
 * units that did not fit are retried if something they depend on changed
 * since (a removal, or one of their MachineOf peers being placed), so one
 * pass reaches what a second pass would (idempotence).
 */
import type { PlanUnit } from './model.js';
import type { PlacementState } from './state.js';
import type { Pipeline } from './pipeline.js';
import type { Journal } from './journal.js';
import type { PendingQueue } from './pending.js';
import type { OnRemoved } from './evict.js';
import { displaceReplaced } from './evict.js';
import { selectMachine } from './select.js';

/** Why a unit that had no machine is placed, by desired state. */
const NEW_UNIT = {
  loaded: 'desired state loaded and unit not scheduled',
  launched: 'desired state launched and unit not scheduled',
} as const;

/** Result of phase 3. */
export interface PlaceResult {
  /** Units left without a machine. */
  readonly unplaced: readonly PlanUnit[];
  /** True when the placement budget ran out (a pathological Replaces/MachineOf chain). */
  readonly exhausted: boolean;
}

/** Places every queued unit that fits somewhere. `budget` bounds the number of placement attempts. */
export function placePending(
  state: PlacementState,
  pipeline: Pipeline,
  journal: Journal,
  pending: PendingQueue,
  onRemoved: OnRemoved,
  budget: number,
): PlaceResult {
  // unit -> tick of its failed search, in the order they failed; by the unit
  // itself, not its name: a name's hash is computed on its first lookup, and
  // most units placed would pay that only here (at 100,000 units, 25 ms).
  const failed = new Map<PlanUnit, number>();
  // signature -> tick of a search that found no machine: a unit with the same
  // signature cannot fit either until something it depends on changes. This
  // keeps an oversubscribed template from costing units x machines.
  const hopeless = new Map<string, number>();
  let attempts = 0;
  for (;;) {
    for (let unit = pending.pop(); unit !== undefined; unit = pending.pop()) {
      if (state.isPlaced(unit)) continue;
      if (++attempts > budget) {
        failed.set(unit, state.tick);
        continue;
      }
      // Asked only once a search failed: a unit's signature, like its name, is hashed on its first lookup.
      const since = unit.signature === undefined || hopeless.size === 0 ? undefined : hopeless.get(unit.signature);
      if (since !== undefined && !mayFitSince(unit, since, state)) {
        failed.set(unit, since);
        continue;
      }
      const m = selectMachine(unit, state, pipeline);
      if (m === undefined) {
        failed.set(unit, state.tick);
        if (unit.signature !== undefined) hopeless.set(unit.signature, state.tick);
        continue;
      }
      if (failed.size > 0) failed.delete(unit);
      const cause = pending.cause(unit.name);
      state.add(unit, m);
      journal.placed(
        unit,
        state.machines[m]!.id,
        cause === undefined ? NEW_UNIT[unit.desiredState] : `rescheduled: ${cause}`,
      );
      displaceReplaced(unit, m, state, onRemoved);
    }
    if (attempts > budget) break;
    let retry = false;
    for (const [unit, tick] of failed) {
      if (mayFitSince(unit, tick, state)) {
        pending.push(unit);
        retry = true;
      }
    }
    if (!retry) break;
  }
  return { unplaced: [...failed.keys()], exhausted: attempts > budget };
}

/**
 * False when nothing that could make room for `unit` happened after `tick`:
 * placements only add constraints, except for a removal anywhere or the
 * arrival of one of its MachineOf peers.
 */
function mayFitSince(unit: PlanUnit, tick: number, state: PlacementState): boolean {
  return state.lastRemoval > tick || unit.requirements.machineOf.some((p) => (state.lastAdded.get(p) ?? 0) > tick);
}

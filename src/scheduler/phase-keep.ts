/**
 * Phase 2: ordinary units keep their current machine when it still passes
 * every filter, checked in placement order against what was kept before
 * (global units included). Stability: when nothing changed, nothing moves.
 * Among units already sharing a machine that now conflict, the earlier one in
 * placement order stays.
 */
import type { Prepared } from './prepare.js';
import type { CurrentSchedule } from './current.js';
import type { PlacementState } from './state.js';
import type { Pipeline } from './pipeline.js';
import type { Journal } from './journal.js';
import type { PendingQueue } from './pending.js';
import type { OnRemoved } from './evict.js';
import { displaceReplaced } from './evict.js';
import { keepFilters, runFilters } from './filter.js';

/** Keeps valid placements; queues every ordinary unit left without a machine. */
export function keepCurrentPlacements(
  prepared: Prepared,
  current: CurrentSchedule,
  state: PlacementState,
  pipeline: Pipeline,
  journal: Journal,
  pending: PendingQueue,
  onRemoved: OnRemoved,
): void {
  // An empty schedule (a pass from scratch) keeps nothing: every ordinary unit waits, with no lookup per unit.
  if (current.placements.size === 0 && current.causes.size === 0) {
    for (const unit of prepared.order) if (!unit.global) pending.push(unit);
    return;
  }
  const filters = keepFilters(pipeline.filters);
  for (const unit of prepared.order) {
    if (unit.global) continue;
    let cause = current.causes.get(unit.name);
    let kept: string | undefined;
    for (const m of current.placements.get(unit.name) ?? []) {
      const id = state.machines[m]!.id;
      if (kept !== undefined) {
        journal.unplaced(unit.name, id, `duplicate schedule entry: unit stays on ${kept}`);
        continue;
      }
      const r = runFilters(filters, unit, m, state);
      if (r.ok) {
        state.add(unit, m);
        kept = id;
        displaceReplaced(unit, m, state, onRemoved);
      } else {
        cause = `machine ${id} can no longer run it: ${r.filter}: ${r.reason}`;
        journal.unplaced(unit.name, id, `${r.filter}: ${r.reason}`);
      }
    }
    if (kept === undefined) pending.push(unit, cause);
  }
}

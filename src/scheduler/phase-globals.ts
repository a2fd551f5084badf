/**
 * Phase 1: global units, in placement order, each tried on every machine
 * against the global units placed before it. Global units come first and
 * ignore ordinary units, so their placement is a function of the machines
 * and global units alone: among mutually conflicting global units the
 * lexicographically first wins on every machine (fleet's agent rule), the
 * answer never depends on history, and ordinary units that conflict with a
 * global unit are moved out of its way (like DaemonSets or Nomad system jobs).
 */
import type { Prepared } from './prepare.js';
import type { CurrentSchedule } from './current.js';
import type { PlacementState } from './state.js';
import type { Pipeline } from './pipeline.js';
import type { Journal } from './journal.js';
import { keepFilters, runFilters } from './filter.js';
import { explainUnplaced, type Explanation } from './explain.js';

/** Places every global unit; returns explanations for those that fit no machine. */
export function placeGlobalUnits(
  prepared: Prepared,
  current: CurrentSchedule,
  state: PlacementState,
  pipeline: Pipeline,
  journal: Journal,
): Explanation[] {
  const unplaced: Explanation[] = [];
  const kept = keepFilters(pipeline.filters);
  for (const unit of prepared.order) {
    if (!unit.global) continue;
    const was = new Set(current.placements.get(unit.name) ?? []);
    let placed = 0;
    for (const machine of state.machines) {
      const r = runFilters(was.has(machine.index) ? kept : pipeline.filters, unit, machine.index, state);
      if (r.ok) {
        state.add(unit, machine.index);
        placed++;
        if (!was.has(machine.index)) journal.placed(unit.name, machine.id, 'global unit: machine eligible');
      } else if (was.has(machine.index)) {
        journal.unplaced(unit.name, machine.id, `machine no longer eligible for global unit: ${r.filter}: ${r.reason}`);
      }
    }
    if (placed === 0) unplaced.push(explainUnplaced(unit, state, pipeline.filters));
  }
  return unplaced;
}

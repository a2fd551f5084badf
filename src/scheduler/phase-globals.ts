/**
 * Phase 1: global units, in placement order, each tried on every machine
 * against the global units placed before it. Global units come first and
 * ignore ordinary units, so their placement is a function of the machines
 * and global units alone: among mutually conflicting global units the
 * lexicographically first wins on every machine (fleet's agent rule), the
 * answer never depends on history, and ordinary units that conflict with a
 * global unit are moved out of its way (like DaemonSets or Nomad system jobs).
 *
 * Resources are the exception to "global units ignore ordinary units": what
 * units already hold stays reserved while global units are placed (ordinary
 * units on their machine, global units on every machine they keep), so a
 * new global unit gets only what is left, and is explained where that is
 * not enough, instead of over-committing the machine (running units are
 * never stopped for it). A global unit's own reservation is released when
 * its turn comes, and the ordinary units' at the end of the phase.
 */
import type { Prepared } from './prepare.js';
import type { CurrentSchedule } from './current.js';
import type { PlacementState } from './state.js';
import type { Pipeline } from './pipeline.js';
import type { Journal } from './journal.js';
import type { MachineIndex, PlanUnit } from './model.js';
import { keepFilters, runFilters, type Filter } from './filter.js';
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
  if (!prepared.order.some((u) => u.global)) return unplaced;
  const kept = keepFilters(pipeline.filters);
  const reserved = reserveCurrent(prepared, current, state, kept);
  const release = (unit: PlanUnit): void => {
    for (const m of reserved.get(unit) ?? []) state.resources.update(m, unit.requests, -1);
  };
  for (const unit of prepared.order) {
    if (!unit.global) continue;
    release(unit);
    const was = new Set(current.placements.get(unit.name) ?? []);
    let placed = 0;
    for (const machine of state.machines) {
      const r = runFilters(was.has(machine.index) ? kept : pipeline.filters, unit, machine.index, state);
      if (r.ok) {
        state.add(unit, machine.index);
        placed++;
        if (!was.has(machine.index)) journal.placed(unit, machine.id, 'global unit: machine eligible');
      } else if (was.has(machine.index)) {
        journal.unplaced(unit, machine.id, `machine no longer eligible for global unit: ${r.filter}: ${r.reason}`);
      }
    }
    if (placed === 0) unplaced.push(explainUnplaced(unit, state, pipeline.filters));
  }
  for (const unit of reserved.keys()) if (!unit.global) release(unit);
  return unplaced;
}

/**
 * Reserves, before any unit is placed, the requests of current placements
 * that stay: an ordinary unit's first machine, and every machine a global
 * unit has and may keep as far as the machine alone decides (the keep
 * filters, with nothing placed yet). Returns what was reserved, per unit.
 */
function reserveCurrent(prepared: Prepared, current: CurrentSchedule, state: PlacementState, kept: readonly Filter[]): Map<PlanUnit, readonly MachineIndex[]> {
  const out = new Map<PlanUnit, readonly MachineIndex[]>();
  // An empty schedule (a pass from scratch) holds nothing to reserve: no lookup per unit.
  if (current.placements.size === 0) return out;
  for (const unit of prepared.order) {
    if (unit.requests.length === 0) continue;
    const on = current.placements.get(unit.name);
    if (on === undefined) continue;
    const ms = unit.global ? on.filter((m) => runFilters(kept, unit, m, state).ok) : on.length === 1 ? on : on.slice(0, 1);
    for (const m of ms) state.resources.update(m, unit.requests, 1);
    if (ms.length > 0) out.set(unit, ms);
  }
  return out;
}

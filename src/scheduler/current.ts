/**
 * Reads the snapshot's schedule: entries for destroyed or inactive units and
 * for machines that went away are journaled for removal; the rest are the
 * placements the pass starts from.
 */
import type { ClusterSnapshot } from './types.js';
import type { MachineIndex } from './model.js';
import type { Prepared } from './prepare.js';
import type { Journal } from './journal.js';
import { compareStrings } from './name-index.js';
import type { DesiredState } from '../domain/index.js';
import type { ScheduleOrder } from './schedule-order.js';

/** The usable part of the current schedule. */
export interface CurrentSchedule {
  /** unit name -> machines it is on, ascending, duplicates removed (known machines, active units only). */
  readonly placements: ReadonlyMap<string, readonly MachineIndex[]>;
  /** unit name -> why it lost a placement before planning started (its machine went away). */
  readonly causes: ReadonlyMap<string, string>;
}

/**
 * Splits the schedule into usable placements and journaled removals.
 * `order`: where to record the single-machine entries of ordinary units, for the next pass (see `schedule-order.ts`).
 */
export function readSchedule(snapshot: ClusterSnapshot, prepared: Prepared, journal: Journal, order?: ScheduleOrder): CurrentSchedule {
  const byId = new Map(prepared.machines.map((m) => [m.id, m.index]));
  const placements = new Map<string, readonly MachineIndex[]>();
  const causes = new Map<string, string>();
  // Most units are on one machine: they share that machine's one-element list.
  const singles = new Array<readonly MachineIndex[] | undefined>(prepared.machines.length);
  for (const [unit, ids] of snapshot.schedule) {
    // The active units are the pass's units: one lookup gives the unit (for `order`) and its desired state.
    const active = prepared.units.get(unit);
    if (ids.length === 1 && active !== undefined) {
      const id = ids[0]!;
      const m = byId.get(id);
      if (m !== undefined) {
        placements.set(unit, (singles[m] ??= Object.freeze([m])));
        if (order !== undefined && !active.global) order.record(unit, id, active, m);
        continue;
      }
    }
    const on = readEntry(unit, ids, active !== undefined ? active.desiredState : prepared.desired.get(unit), byId, journal, causes);
    if (on.length > 0) placements.set(unit, on.length === 1 ? on : on.sort((a, b) => a - b));
  }
  return { placements, causes };
}

/**
 * The known machines of one schedule entry (`unit` on `ids`), distinct, in
 * machine id order, for an active unit; journals the entries that go (unit gone or
 * inactive, machine gone; the last also recorded in `causes`).
 */
export function readEntry(
  unit: string,
  ids: readonly string[],
  desired: DesiredState | undefined,
  byId: ReadonlyMap<string, MachineIndex>,
  journal: Journal,
  causes: Map<string, string>,
): MachineIndex[] {
  const on: MachineIndex[] = [];
  // Sorted, so the recorded cause does not depend on the order of the list.
  for (const id of ids.length === 1 ? ids : [...new Set(ids)].sort(compareStrings)) {
    const m = byId.get(id);
    if (desired === undefined) journal.unplaced(unit, id, 'unit no longer exists');
    else if (desired === 'inactive') journal.unplaced(unit, id, 'desired state inactive');
    else if (m === undefined) {
      journal.unplaced(unit, id, `machine ${id} went away`);
      causes.set(unit, `machine ${id} went away`);
    } else on.push(m); // ids are distinct, so are their machines
  }
  return on;
}

/**
 * Whether two snapshots are the same planning input, compared cheaply by
 * content (and by identity where the engine keeps objects stable: a unit's
 * requirements object stays the same until its content changes). The
 * planner is a pure function of its snapshot, so an engine pass over the
 * same input as the previous one (a settled cluster re-planned on a resync
 * or an event that changes nothing it reads) can have the previous answer.
 */
import type { ClusterSnapshot, MachineSnapshot, UnitSnapshot } from './types.js';
import type { PlacementPolicy } from './policy.js';

/** True when planning `a` and `b` must give the same plan (false when unsure). */
export function sameInput(a: ClusterSnapshot, b: ClusterSnapshot): boolean {
  if (a === b) return true;
  // Counts first: an input that gained or lost a unit, machine or entry differs at no cost.
  if (a.units.length !== b.units.length || a.machines.length !== b.machines.length || a.schedule.size !== b.schedule.size) return false;
  return (
    samePolicy(a.policy, b.policy) &&
    sameSet(a.shielded, b.shielded) &&
    sameList(a.machines, b.machines, sameMachine) &&
    sameUnits(a.units, b.units) &&
    sameSchedule(a.schedule, b.schedule)
  );
}

/** True when both are the same policy (the engine parses the stored document anew on every pass). */
export function samePolicy(a: PlacementPolicy | undefined, b: PlacementPolicy | undefined): boolean {
  return a === b || (a !== undefined && b !== undefined && JSON.stringify(a) === JSON.stringify(b));
}

/** True when `a` and `b` list the same units (name, desired state and the same requirements object) in the same order. */
export function sameUnits(a: readonly UnitSnapshot[], b: readonly UnitSnapshot[]): boolean {
  return sameList(a, b, (x, y) => x.name === y.name && x.desiredState === y.desiredState && x.requirements === y.requirements);
}

function sameList<T>(a: readonly T[], b: readonly T[], same: (x: T, y: T) => boolean): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i] && !same(a[i]!, b[i]!)) return false;
  return true;
}

function sameMachine(a: MachineSnapshot, b: MachineSnapshot): boolean {
  return (
    a.id === b.id &&
    a.cordoned === b.cordoned &&
    sameRecord(a.metadata, b.metadata) &&
    sameRecord(a.capacity, b.capacity) &&
    sameList(a.held ?? [], b.held ?? [], (x, y) => x === y)
  );
}

/** True when both records have the same keys with identical values (or are both undefined). */
export function sameRecord<V>(a: Readonly<Record<string, V>> | undefined, b: Readonly<Record<string, V>> | undefined): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined) return false;
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  for (const k of keys) if (!Object.hasOwn(b, k) || a[k] !== b[k]) return false;
  return true;
}

function sameSet(a: ReadonlySet<string> | undefined, b: ReadonlySet<string> | undefined): boolean {
  if (a === b) return true;
  if ((a?.size ?? 0) !== (b?.size ?? 0)) return false;
  for (const x of a ?? []) if (!b!.has(x)) return false;
  return true;
}

function sameSchedule(a: ClusterSnapshot['schedule'], b: ClusterSnapshot['schedule']): boolean {
  if (a === b) return true;
  if (a.size !== b.size) return false;
  for (const [unit, ids] of a) {
    const other = b.get(unit);
    if (other === undefined || !sameList(ids, other, (x, y) => x === y)) return false;
  }
  return true;
}

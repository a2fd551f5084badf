/**
 * Internal, pre-computed view of units and machines used during one planning
 * pass. Built once by `prepare.ts` so that filters only do hash lookups.
 */
import type { UnitRequirements } from '../units/requirements.js';

/** Position of a machine in the pass's machine list, which is sorted by id (string compare). */
export type MachineIndex = number;

/** Where `m` is, or would go, in `list` (ascending, no repeats): the index of the first entry not below it. */
export function machinePosition(list: readonly MachineIndex[], m: MachineIndex): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid]! < m) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** A machine during planning. */
export interface MachineInfo {
  readonly index: MachineIndex;
  readonly id: string;
  readonly metadata: Readonly<Record<string, string>>;
  /** Resources the machine offers (resource name -> amount), as published; undefined when it publishes none. */
  readonly capacity: Readonly<Record<string, number>> | undefined;
  /** Why the machine takes no new units; undefined when it does. */
  readonly cordoned: string | undefined;
}

/** An active (desired state `loaded` or `launched`) unit during planning. */
export interface PlanUnit {
  readonly name: string;
  /** Position in placement order (MachineOf leaders and Replaces declarers first, then by priority, highest first, then by name). */
  readonly rank: number;
  readonly desiredState: 'loaded' | 'launched';
  readonly global: boolean;
  readonly requirements: UnitRequirements;
  /** Cache key of the MachineMetadata requirement; '' when there is none. */
  readonly metadataKey: string;
  /** Own `Conflicts=` globs, deduplicated. */
  readonly conflicts: readonly string[];
  /** Every `Conflicts=` glob declared by some active unit that matches this unit's name. */
  readonly conflictedBy: readonly string[];
  /** Own `Replaces=` globs, deduplicated. */
  readonly replaces: readonly string[];
  /** Every `Replaces=` glob declared by some active unit that matches this unit's name. */
  readonly replacedBy: readonly string[];
  /** Names of active units this one's `Replaces=` globs match (itself excluded). */
  readonly replaceTargets: ReadonlySet<string>;
  /** Id of the Replaces cycle this unit is part of; undefined when it is in none. */
  readonly replaceCycle: number | undefined;
  /** Names of active units whose `MachineOf=` names this one. */
  readonly followers: readonly string[];
  /** What the unit reserves on its machine: resource -> amount in fixed units (see `resources/quantity.ts`), only amounts above 0, by name. */
  readonly requests: ReadonlyArray<readonly [string, number]>;
  /** What scorers count the unit as: its requests, or the policy's best-effort default when it requests neither cpu nor memory. */
  readonly scoreRequests: ReadonlyArray<readonly [string, number]>;
  /** Machines whose agent holds this unit after a registry reset (see `MachineSnapshot.held`), ascending; empty normally. */
  readonly heldOn: readonly MachineIndex[];
  /** Template prefix of an instance (`web` of `web@1.service`); undefined for other units. */
  readonly template: string | undefined;
  /**
   * Everything filters and scorers may read of this unit, as a key: every
   * field of its requirements (canonically, including fields added later,
   * e.g. resource requests) plus the Conflicts/Replaces globs of others that
   * match its name. Two unplaced units with the same signature fit exactly
   * the same machines, so one failed search and one explanation answer for
   * both (`phase-place.ts`, `planner.ts`). A filter or scorer must therefore
   * read the unit only through what the signature covers: never its name.
   * Undefined for units that declare `Replaces=`, whose placement depends on
   * their own targets. A unit held on some machine has those machines in it.
   */
  readonly signature: string | undefined;
}

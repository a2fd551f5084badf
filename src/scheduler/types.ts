/**
 * The scheduler's input and output shapes. The scheduler is a pure function
 * from a {@link ClusterSnapshot} to a {@link Plan}; the engine builds the
 * snapshot from its cache and executes the plan with fenced writes.
 */
import type { DesiredState } from '../domain/index.js';
import type { UnitRequirements } from '../units/requirements.js';
import type { Explanation } from './explain.js';
import type { PlacementPolicy } from './policy.js';


/** A registered machine, as its agent published it (metadata already merged). */
export interface MachineSnapshot {
  /** Full machine id (systemd machine-id). */
  readonly id: string;
  /** `metadata=` from fleet.conf plus dynamic metadata: key -> value. */
  readonly metadata: Readonly<Record<string, string>>;
  /** What units may take of each resource (allocatable: capacity − reserved; cores, bytes, counts); a resource not named counts as 0, and undefined offers nothing (a fleetd without resources). */
  readonly capacity?: Readonly<Record<string, number>>;
  /**
   * Set (to the reason) when the machine takes no new units: what runs there
   * stays, nothing new is placed there. The engine cordons a machine it
   * suspects is dead but whose registration has not expired yet.
   */
  readonly cordoned?: string;
  /**
   * Units this machine still runs without a schedule entry because the
   * registry was reset (etcd wiped) and its agent holds them. Such a unit is
   * placed back here whenever the filters allow, so a restore restarts
   * nothing. Absent or empty normally.
   */
  readonly held?: readonly string[];
}

/** A unit as the scheduler sees it: its name, desired state and extracted `[X-Fleet]` requirements. */
export interface UnitSnapshot {
  readonly name: string;
  readonly desiredState: DesiredState;
  readonly requirements: UnitRequirements;
}

/** Everything the scheduler decides from. */
export interface ClusterSnapshot {
  readonly machines: readonly MachineSnapshot[];
  readonly units: readonly UnitSnapshot[];
  /**
   * Current schedule: unit name -> machine ids it is scheduled to. An ordinary
   * unit has at most one entry (more are repaired); a global unit one per machine.
   * Entries may name machines or units that no longer exist.
   */
  readonly schedule: ReadonlyMap<string, readonly string[]>;
  /** The cluster's placement policy; undefined: the default policy (spread, fleet's placement while nothing requests resources). */
  readonly policy?: PlacementPolicy;
  /**
   * Units that must not be preempted in this pass whatever their priority:
   * the engine shields a unit preempted too often lately (its flap guard).
   * Undefined: none.
   */
  readonly shielded?: ReadonlySet<string>;
}

/** Write a schedule entry: run `unit` on `machine`. */
export interface ScheduleDecision {
  readonly kind: 'schedule';
  readonly unit: string;
  readonly machine: string;
  /** Why, for logs and `fleetctl`: e.g. `rescheduled: machine abc went away`. */
  readonly reason: string;
}

/** Delete a schedule entry: stop running `unit` on `machine`. */
export interface UnscheduleDecision {
  readonly kind: 'unschedule';
  readonly unit: string;
  readonly machine: string;
  readonly reason: string;
}

/** One schedule change. */
export type Decision = ScheduleDecision | UnscheduleDecision;

/** Something in the snapshot the operator should fix (it never blocks planning). */
export interface PlanWarning {
  /** Units involved, sorted. */
  readonly units: readonly string[];
  readonly message: string;
}

/** A unit placed by stopping units of lower priority on its machine (`preempt.ts`). */
export interface Preemption {
  readonly unit: string;
  readonly priority: number;
  /** Machine id the unit is placed on. */
  readonly machine: string;
  /** The units stopped there to make room, by name, with their priorities. */
  readonly victims: ReadonlyArray<{ readonly unit: string; readonly priority: number }>;
}

/** The scheduler's answer for one snapshot. */
export interface Plan {
  /** All unschedules (by unit, then machine id), then all schedules (same order); execute in this order. */
  readonly decisions: readonly Decision[];
  /** Every active unit left without a machine (a global unit: without any machine), sorted by unit name. */
  readonly unplaced: readonly Explanation[];
  /** Sorted by first unit name. */
  readonly warnings: readonly PlanWarning[];
  /** Preemptions the decisions carry out, in the order they were decided; absent when there are none. */
  readonly preemptions?: readonly Preemption[];
}

import type { ResourceAmounts } from '../resources/amounts.js';

/**
 * What a unit's `[X-Fleet]` section asks of the machine it runs on, after
 * deprecated aliases are folded in, multi-value lines split and the unit-name
 * specifiers (%n %N %p %i %P %I %%) substituted for the unit's own name
 * (each instance of a template has its own). This is the only shape the scheduler
 * sees; it never reads unit options itself.
 */
export interface UnitRequirements {
  /** `MachineID=`: the full machine id the unit must run on; undefined = any machine. */
  readonly machineId?: string;
  /** `MachineOf=`: exact unit names that must be placed on the same machine. */
  readonly machineOf: readonly string[];
  /**
   * `MachineMetadata=`: key -> accepted values. A machine matches when, for
   * every key, it has that key with one of the accepted values (AND across
   * keys, OR within a key). Empty map = no metadata constraint.
   */
  readonly metadata: ReadonlyMap<string, readonly string[]>;
  /** `Conflicts=`: globs (Go path.Match syntax) naming units that may not share a machine, in either direction. */
  readonly conflicts: readonly string[];
  /** `Replaces=`: globs naming units this one displaces from its machine. */
  readonly replaces: readonly string[];
  /** `Global=true`: run on every eligible machine instead of one. */
  readonly global: boolean;
  /**
   * `Resources=` (completed by the unit's CPUQuota=/MemoryMax= limits): what
   * the unit reserves on its machine, e.g. `{ cpu: 0.5, memory: 268435456 }`.
   * Absent when the unit requests nothing (best effort).
   */
  readonly resources?: ResourceAmounts;
  /**
   * `Priority=` (0-1000, higher is more important): a unit the cluster has
   * no room for may stop units of strictly lower priority to get it.
   * Absent when not given: priority 0 (see {@link priorityOf}).
   */
  readonly priority?: number;
  /** `Preemptible=`: false when the unit must never be stopped to make room for another. Absent when not given: true. */
  readonly preemptible?: boolean;
}

/** The unit's priority: `Priority=`, else 0. */
export function priorityOf(req: UnitRequirements): number {
  return req.priority ?? 0;
}

/** Requirements of a unit without an `[X-Fleet]` section. */
export const NO_REQUIREMENTS: UnitRequirements = Object.freeze({
  machineOf: [],
  metadata: new Map<string, readonly string[]>(),
  conflicts: [],
  replaces: [],
  global: false,
});

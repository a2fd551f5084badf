/**
 * The one place registry data becomes the scheduler's snapshot: the engine
 * builds it from its cache on every pass, and anything else that needs to
 * know what the engine would decide (test fakes, tools) builds it here too,
 * so the answer cannot drift from the engine's.
 */
import { readPolicyDocument } from '../scheduler/policy.js';
import { allocatableOf } from '../resources/index.js';
import type { ClusterSnapshot, MachineSnapshot, UnitSnapshot } from '../scheduler/index.js';
import type { DesiredState } from '../domain/index.js';
import type { MachineRecord, ScheduleEntry, UnitRecord } from '../registry/index.js';
import { readRequirements, type RequirementsResult } from './requirements-cache.js';
import type { Cordon } from './cordon.js';

/** A unit left out of scheduling because its `[X-Fleet]` options cannot be used. */
export interface BrokenUnit {
  readonly unit: string;
  readonly problems: readonly string[];
}

/** Registry data, as the engine's cache or the API's listings hold it. */
export interface SnapshotInput {
  readonly units: Iterable<UnitRecord>;
  /** Unit name -> desired state; a unit without one is `inactive`. */
  readonly desired: ReadonlyMap<string, DesiredState>;
  readonly machines: Iterable<MachineRecord>;
  /** A machine's metadata with dynamic metadata merged in; default: the record's own. */
  readonly metadataOf?: (machine: MachineRecord) => Readonly<Record<string, string>>;
  readonly schedule: Iterable<ScheduleEntry>;
  /** Machine id -> cordon; only those with `untilMs > nowMs` apply. */
  readonly cordons?: ReadonlyMap<string, Cordon>;
  /** Time of the decision, ms (for cordons). */
  readonly nowMs?: number;
  /** The stored placement policy document; undefined: the default policy. */
  readonly policy?: string;
  /** Units the scheduler must not preempt (the engine's flap guard, `preemption-log.ts`); undefined: none. */
  readonly shielded?: ReadonlySet<string>;
}

/** The snapshot and the units left out of it. */
export interface BuiltSnapshot {
  readonly snapshot: ClusterSnapshot;
  /** Sorted by unit name. */
  readonly broken: readonly BrokenUnit[];
  /** Why the stored policy could not be used (the default is used instead); undefined when it could. */
  readonly policyProblem?: string;
}

/**
 * Builds the scheduler's input. Broken units are left out, and so are their
 * schedule entries: a running unit is not stopped because its record became
 * unreadable. `requirementsOf` reads a unit's `[X-Fleet]` (the engine passes
 * its per-hash memo). Pure.
 */
export function buildSnapshot(input: SnapshotInput, requirementsOf: (unit: UnitRecord) => RequirementsResult = readRequirements): BuiltSnapshot {
  const broken: BrokenUnit[] = [];
  const brokenNames = new Set<string>();
  const units: UnitSnapshot[] = [];
  for (const unit of input.units) {
    const r = requirementsOf(unit);
    if (!r.ok) {
      broken.push({ unit: unit.name, problems: r.problems });
      brokenNames.add(unit.name);
      continue;
    }
    units.push({ name: unit.name, desiredState: input.desired.get(unit.name) ?? 'inactive', requirements: r.requirements });
  }
  const schedule = new Map<string, string[]>();
  for (const e of input.schedule) {
    if (brokenNames.has(e.name)) continue;
    const list = schedule.get(e.name);
    if (list === undefined) schedule.set(e.name, [e.machineId]);
    else list.push(e.machineId);
  }
  const now = input.nowMs ?? 0;
  const machines: MachineSnapshot[] = [];
  for (const m of input.machines) {
    const metadata = input.metadataOf?.(m) ?? m.metadata;
    const cordon = input.cordons?.get(m.id);
    // What units may take: capacity − reserved; a machine that publishes no resources offers none.
    const capacity = m.resources === undefined ? {} : { capacity: allocatableOf(m.resources) };
    const held = m.held !== undefined && m.held.length > 0 ? { held: m.held } : {};
    machines.push(cordon !== undefined && cordon.untilMs > now ? { id: m.id, metadata, ...capacity, ...held, cordoned: cordon.reason } : { id: m.id, metadata, ...capacity, ...held });
  }
  const { policy, problem } = readPolicyDocument(input.policy);
  return {
    snapshot: { machines, units, schedule, ...(input.policy !== undefined ? { policy } : {}), ...(input.shielded !== undefined && input.shielded.size > 0 ? { shielded: input.shielded } : {}) },
    broken: broken.sort((a, b) => (a.unit < b.unit ? -1 : a.unit > b.unit ? 1 : 0)),
    ...(problem !== undefined ? { policyProblem: problem } : {}),
  };
}

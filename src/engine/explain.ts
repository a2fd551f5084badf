/**
 * Explanations next to planning: the engine turns each pass's unplaced and
 * broken units into `engine/unplaced/<name>` records (written only when they
 * change, so an idle cluster stays idle), and `explain` answers from those
 * records, the schedule and the desired state. Nothing re-derives the
 * engine's decision elsewhere, so `explain` cannot say "will go to m1" while
 * the engine refuses m1.
 */
import { formatExplanation, preemptedReason, type Plan } from '../scheduler/index.js';
import { encodeUnplaced, type UnitWithDesired, type UnplacedOp, type UnplacedRecord } from '../registry/index.js';
import type { BrokenUnit } from './snapshot.js';

/** Why a waiting unit lost its machine to preemption (see `preemption-log.ts`). */
export interface PreemptionCause {
  readonly unit: string;
  readonly priority: number;
  /** True when the unit was preempted too often lately and is shielded from more. */
  readonly flapping: boolean;
}

/**
 * The unplaced records one pass stands for, by unit name. `hashOf` gives a
 * unit's current content hash (undefined: unit gone); `preemptedOf` who
 * preempted a waiting unit (undefined: nobody), which then leads its message,
 * e.g. `preempted by batch-vip.service (priority 100); 0 of 3 machines
 * eligible: 3 by Resources (...)`, and is in its explanation as `preemptedBy`.
 */
export function unplacedRecords(
  plan: Plan,
  broken: readonly BrokenUnit[],
  hashOf: (name: string) => string | undefined,
  preemptedOf: (name: string) => PreemptionCause | undefined = () => undefined,
): Map<string, UnplacedRecord> {
  const out = new Map<string, UnplacedRecord>();
  for (const e of plan.unplaced) {
    const hash = hashOf(e.unit);
    if (hash === undefined) continue;
    const by = preemptedOf(e.unit);
    if (by === undefined) {
      out.set(e.unit, { name: e.unit, hash, status: 'unschedulable', message: formatExplanation(e), explanation: e });
      continue;
    }
    const flapping = by.flapping ? '; preempted too often within a minute, so not preempted again for now' : '';
    const message = `${preemptedReason(by.unit, by.priority)}${flapping}; ${formatExplanation(e)}`;
    out.set(e.unit, { name: e.unit, hash, status: 'unschedulable', message, explanation: { ...e, preemptedBy: { unit: by.unit, priority: by.priority } } });
  }
  for (const b of broken) {
    const hash = hashOf(b.unit);
    if (hash !== undefined) out.set(b.unit, { name: b.unit, hash, status: 'invalid', message: `unit options cannot be used: ${b.problems.join('; ')}` });
  }
  return out;
}

/**
 * The writes that turn `published` (name -> encoded record, as stored) into
 * `wanted`: deletes first, then puts, each by name, at most `budget` in all
 * (the rest waits for a later pass: explanations are advice, schedule writes
 * come first). `deferred` counts the writes left out.
 */
export function unplacedOps(
  published: ReadonlyMap<string, string>,
  wanted: ReadonlyMap<string, UnplacedRecord>,
  budget: number,
): { readonly ops: UnplacedOp[]; readonly deferred: number } {
  const deletes: UnplacedOp[] = [];
  const puts: UnplacedOp[] = [];
  for (const name of published.keys()) if (!wanted.has(name)) deletes.push({ type: 'delete', name });
  for (const [name, record] of wanted) if (published.get(name) !== encodeUnplaced(record)) puts.push({ type: 'put', record });
  const byName = (a: UnplacedOp, b: UnplacedOp) => {
    const x = a.type === 'put' ? a.record.name : a.name;
    const y = b.type === 'put' ? b.record.name : b.name;
    return x < y ? -1 : x > y ? 1 : 0;
  };
  const all = [...deletes.sort(byName), ...puts.sort(byName)];
  return { ops: all.slice(0, Math.max(0, budget)), deferred: Math.max(0, all.length - budget) };
}

/**
 * The answer of `explain` (`GET /units/<name>/explain`, `fleetctl status`); `status` is
 * - `inactive`: desired state is inactive, nothing to place;
 * - `invalid`: the unit's `[X-Fleet]` section cannot be read (the engine skips it);
 * - `scheduled`: placed;
 * - `pending`: not placed yet, and the engine has not said why (it decides on its next pass);
 * - `unschedulable`: the engine found no machine that passes the filters (`message` is
 *   its one line, e.g. `0 of 5 machines eligible: 3 by Conflicts (web@*), 2 by MachineMetadata (region=eu)`,
 *   led by `preempted by <unit> (priority N); ` when it lost its machine to a more important unit).
 */
export interface UnitExplanation {
  readonly name: string;
  readonly desiredState: string;
  readonly status: 'inactive' | 'invalid' | 'scheduled' | 'pending' | 'unschedulable';
  /** Machines the unit is scheduled to now, sorted. */
  readonly machineIDs: readonly string[];
  readonly message: string;
  /** The scheduler's per-filter counts, for `unschedulable` (as the engine published them). */
  readonly explanation?: unknown;
}

/**
 * Explains `unit` from its schedule entries' machines and the engine's
 * unplaced record (pure). A record made for another body of the unit is stale
 * and ignored: the engine has not decided on the current one yet.
 */
export function explainUnit(unit: UnitWithDesired, machineIDs: readonly string[], unplaced: UnplacedRecord | undefined): UnitExplanation {
  const base = { name: unit.unit.name, desiredState: unit.desired, machineIDs: [...machineIDs].sort() };
  const current = unplaced !== undefined && unplaced.hash === unit.unit.hash ? unplaced : undefined;
  if (current?.status === 'invalid') return { ...base, status: 'invalid', message: current.message };
  if (unit.desired === 'inactive') return { ...base, status: 'inactive', message: 'desired state is inactive' };
  if (current?.status === 'unschedulable') {
    return { ...base, status: 'unschedulable', message: current.message, ...(current.explanation !== undefined ? { explanation: current.explanation } : {}) };
  }
  if (base.machineIDs.length > 0) return { ...base, status: 'scheduled', message: `scheduled to ${base.machineIDs.join(', ')}` };
  return { ...base, status: 'pending', message: 'waiting for the engine' };
}

/**
 * How a unit looks on the wire, in particular its derived `currentState`.
 *
 * fleet derived currentState from a heartbeat its agents wrote; we derive
 * it from the schedule entry and the state the scheduled machine reported:
 *
 * Per schedule entry (unit U on machine M, entry hash H):
 * 1. `inactive` when M reported no state for U, or reported one for another
 *    hash (it has not loaded the current body yet);
 * 2. `launched` when that state's systemd ActiveState is running
 *    (`isRunning`, src/domain: `active`, `activating`, `reloading`);
 * 3. `loaded` otherwise (loaded but not running: stopped, failed, not yet started).
 *
 * Ordinary unit: no entry ⇒ `inactive`, no machineID; else the entry's
 * state, machineID = M (several entries, left by a move in progress: the
 * first by machine id).
 *
 * Global unit (fleet reported `inactive` in lists and "" for a single unit;
 * fixed): no machineID; currentState = the least advanced state over all of
 * its entries (inactive < loaded < launched), `inactive` when it has none.
 * So a global unit reads `launched` once every machine it is scheduled to
 * runs the current body, the same in lists and single GETs.
 *
 * `priority` (not in fleet) is added after fleet's fields only when the
 * unit sets `[X-Fleet] Priority=`.
 */
import type { ScheduleEntry, UnitRecord, UnitStateRecord, UnitWithDesired } from '../registry/index.js';
import { extractRequirements } from '../units/index.js';
import type { ApiUnit } from './schema.js';
import { isRunning, leastAdvanced, type DesiredState } from '../domain/index.js';


/** Schedule entries and states of the units being shown, indexed for lookup. */
export interface UnitRuntimeIndex {
  /** Unit name -> its entries, by machine id. */
  readonly entries: ReadonlyMap<string, readonly ScheduleEntry[]>;
  /** Unit name -> machine id -> state. */
  readonly states: ReadonlyMap<string, ReadonlyMap<string, UnitStateRecord>>;
}

/** Indexes a registry schedule and state listing. Never throws. */
export function indexRuntime(schedule: readonly ScheduleEntry[], states: readonly UnitStateRecord[]): UnitRuntimeIndex {
  const entries = new Map<string, ScheduleEntry[]>();
  for (const e of [...schedule].sort((a, b) => cmp(a.machineId, b.machineId))) {
    const list = entries.get(e.name);
    if (list === undefined) entries.set(e.name, [e]);
    else list.push(e);
  }
  const byUnit = new Map<string, Map<string, UnitStateRecord>>();
  for (const s of states) {
    const of = byUnit.get(s.name);
    if (of === undefined) byUnit.set(s.name, new Map([[s.machineId, s]]));
    else of.set(s.machineId, s);
  }
  return { entries, states: byUnit };
}

/** The derived state of one schedule entry (rules 1–3 above). */
export function entryState(entry: ScheduleEntry, state: UnitStateRecord | undefined): DesiredState {
  if (state === undefined || state.hash !== entry.hash) return 'inactive';
  return isRunning(state.activeState) ? 'launched' : 'loaded';
}

/** What {@link toApiUnit} reads from a unit record alone: its options on the wire, Global= and Priority=. */
interface RecordView {
  /** Shared by every answer that shows the record: never modified. */
  readonly options: Readonly<NonNullable<ApiUnit['options']>>;
  readonly global: boolean;
  readonly priority: number | undefined;
}

/** Per record (records are immutable; the API's views keep the same object until the unit changes), so a listing of 10,000 units parses no [X-Fleet] section twice. */
const recordViews = new WeakMap<UnitRecord, RecordView>();

function recordView(unit: UnitRecord): RecordView {
  let view = recordViews.get(unit);
  if (view === undefined) {
    // Only Global= and Priority= are read here: without either (most units) there is nothing to extract.
    const requirements = unit.options.some((o) => o.section === 'X-Fleet' && (o.name === 'Global' || o.name === 'Priority'))
      ? extractRequirements(unit.options, unit.name).requirements
      : { global: false, priority: undefined };
    // A record's option already has the wire's shape and field order unless its value is empty (fleet omits it then): reused, not copied.
    const options = unit.options.some((o) => o.value === '') ? unit.options.map((o) => (o.value === '' ? { section: o.section, name: o.name } : o)) : unit.options;
    view = { options, global: requirements.global, priority: requirements.priority };
    recordViews.set(unit, view);
  }
  return view;
}

/**
 * The unit as fleet's API shows it, with currentState and machineID derived
 * as documented above; without `withOptions`, no `options` but `global: true`
 * on a global unit (ours, `GET /units?options=false`).
 */
export function toApiUnit(u: UnitWithDesired, runtime: UnitRuntimeIndex, withOptions = true): ApiUnit {
  const entries = runtime.entries.get(u.unit.name) ?? [];
  const reports = runtime.states.get(u.unit.name);
  const stateOf = (e: ScheduleEntry) => entryState(e, reports?.get(e.machineId));
  const view = recordView(u.unit);
  let currentState: DesiredState = 'inactive';
  let machineID: string | undefined;
  if (view.global) {
    if (entries.length > 0) currentState = entries.map(stateOf).reduce(leastAdvanced);
  } else if (entries[0] !== undefined) {
    currentState = stateOf(entries[0]);
    machineID = entries[0].machineId;
  }
  // Go's encoding/json order (fields sorted as fleet's schema declares them).
  const out: ApiUnit = { currentState, desiredState: u.desired } as ApiUnit;
  if (machineID !== undefined) out.machineID = machineID;
  out.name = u.unit.name;
  if (withOptions && view.options.length > 0) out.options = view.options as NonNullable<ApiUnit['options']>;
  // Additive and only when set, so units without Priority= look exactly as in fleet.
  if (view.priority !== undefined) out.priority = view.priority;
  if (!withOptions && view.global) out.global = true;
  return out;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

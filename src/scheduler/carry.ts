/**
 * The incremental pass: what one pass leaves for the next, and a pass that
 * starts from it. A settled cluster's next pass sees the same units,
 * machines and policy, and a schedule that differs from the previous
 * pass's result by what was written since (usually nothing, or that
 * pass's own decisions). Instead of rebuilding every index from nothing,
 * the pass takes the previous pass's final placement state (its per-machine
 * units, glob counters, resource accounting, load and allocation orders,
 * spreadBy counts), moves the units whose schedule entry differs, redoes
 * phases 1 and 2 only on the machines where something changed
 * (`replay-machine.ts`), and runs phase 3 over the units still waiting.
 *
 * Why the result is a pass from scratch's: phases 1 and 2 decide each
 * machine on its own; a machine nothing changed on since it was last
 * rebuilt (it is not "dirty") holds exactly what they would leave there,
 * in the same order. So once the dirty machines are rebuilt, the state is
 * the one a pass from scratch reaches after phase 2, provided every
 * ordinary unit keeps its machine; when one would not, or anything else
 * than the schedule changed (units, machines, policy, pipeline), the
 * planner makes a full pass (which leaves a new carry). Phase 4
 * (preemption) runs after phase 3 on the same state either way, so it
 * decides the same; its victim search is kept with the state too
 * (`victim-search.ts`). `test/unit/scheduler/incremental-equivalence.test.ts` compares
 * both over random change sequences.
 */
import type { ClusterSnapshot, Plan } from './types.js';
import type { MachineIndex, MachineInfo, PlanUnit } from './model.js';
import type { Prepared } from './prepare.js';
import type { Pipeline } from './pipeline.js';
import type { PlacementState } from './state.js';
import { Journal } from './journal.js';
import { PendingQueue } from './pending.js';
import { keepFilters } from './filter.js';
import { readEntry } from './current.js';
import { sameRecord } from './same-input.js';
import { replayMachine, type ReplayInput } from './replay-machine.js';
import { ScheduleOrder, type ScheduleReading } from './schedule-order.js';
import { machineIdFilter } from './filters/machine-id.js';
import { machineMetadataFilter } from './filters/machine-metadata.js';
import { machineOfFilter } from './filters/machine-of.js';
import { conflictsFilter } from './filters/conflicts.js';
import { replacesFilter } from './filters/replaces.js';
import { cordonFilter } from './filters/cordon.js';
import { resourcesFilter } from './filters/resources.js';

/** Machines whose units changed, recorded while a pass runs (see {@link Carry.dirty}). */
export class TouchRecorder {
  /** 'removals': record machines a unit leaves (phases 1 and 2 of a full pass, where additions rebuild); 'all': every change; 'off': none. */
  mode: 'off' | 'removals' | 'all' = 'removals';
  private readonly recorded = new Set<MachineIndex>();
  /** Per machine: 1 once recorded, so a change to a machine recorded already (most, in a pass that places many units) costs no set lookup. */
  private readonly seen: Uint8Array;

  private constructor(machines: number) {
    this.seen = new Uint8Array(machines);
  }

  /** Records on `state` from now on. */
  static on(state: PlacementState): TouchRecorder {
    const r = new TouchRecorder(state.machines.length);
    state.onChange((m, added) => {
      if (r.seen[m] === 0 && (r.mode === 'all' || (r.mode === 'removals' && !added))) {
        r.seen[m] = 1;
        r.recorded.add(m);
      }
    });
    return r;
  }

  /** The machines recorded. */
  get machines(): ReadonlySet<MachineIndex> {
    return this.recorded;
  }

  /** Forgets the machines recorded. */
  clear(): void {
    this.recorded.clear();
    this.seen.fill(0);
  }
}

/** What a pass leaves for the next one. */
export interface Carry {
  /** The pass's final state, kept up to date by the next pass (so owned by this carry alone). */
  readonly state: PlacementState;
  readonly recorder: TouchRecorder;
  /** The unit model it was built with (`Prepared.units`, compared by identity). */
  readonly units: ReadonlyMap<string, PlanUnit>;
  /** The pipeline the caller gave (undefined: the policy's). */
  readonly given: Pipeline | undefined;
  /** Global units, in placement order. */
  readonly globals: readonly PlanUnit[];
  /**
   * Machines phases 1 and 2 must redo before the state can be trusted there:
   * those the pass changed after phase 2 or made a decision about. On every
   * other machine, redoing them over the state's own units gives the state.
   */
  readonly dirty: Set<MachineIndex>;
  /** What the pass read of the schedule, in its order; undefined after a full pass (the next pass looks every entry up). */
  readonly reading: ScheduleReading | undefined;
}

/** The pass's outcome before explanations and the diff: what `planner.ts` finishes. */
export interface Started {
  readonly state: PlacementState;
  readonly recorder: TouchRecorder;
  readonly journal: Journal;
  readonly pending: PendingQueue;
  /** Units whose schedule entries the diff must look at (undefined: all). */
  readonly affected: ReadonlySet<string> | undefined;
  /** What the pass read of the schedule, when it started from a carry (see `schedule-order.ts`). */
  readonly reading?: ScheduleReading;
}

/** The filters whose answers for a machine depend on that machine alone (the premise of `replay-machine.ts`). */
const LOCAL_FILTERS: ReadonlySet<object> = new Set([machineIdFilter, machineMetadataFilter, machineOfFilter, conflictsFilter, replacesFilter, cordonFilter, resourcesFilter]);

/** True when a pass's state may be carried to the next (and a carry used): only known filters. */
export function carriable(pipeline: Pipeline): boolean {
  return pipeline.filters.every((f) => LOCAL_FILTERS.has(f));
}

/**
 * Starts a pass from `carry`: phases 1 and 2 redone where needed, the
 * waiting units queued. Undefined when only a full pass can plan
 * `snapshot` (then `carry` must be dropped: its state may be half-updated).
 * `maxMoves`: more schedule differences than this are planned in full.
 */
export function startFromCarry(snapshot: ClusterSnapshot, prepared: Prepared, pipeline: Pipeline, carry: Carry, maxMoves: number): Started | undefined {
  const state = carry.state;
  if (prepared.units !== carry.units || !sameMachines(prepared.machines, state.machines)) return undefined;
  carry.recorder.mode = 'off';
  const journal = new Journal(prepared.units);
  const dirty = carry.dirty;
  const byId = new Map<string, MachineIndex>();
  for (const m of state.machines) byId.set(m.id, m.index);
  const affected = new Set<string>();
  const scheduledGlobals = new Map<PlanUnit, Set<MachineIndex>>();
  const causes = new Map<string, string>();
  /** Active ordinary units the schedule gives no machine (their entries name none that is known). */
  const unscheduled = new Set<string>();
  let moves = 0;
  let matched = 0;
  const place = (unit: PlanUnit, m: MachineIndex): boolean => {
    matched++;
    // An ordinary unit is on one machine at most.
    if (state.hosts(m, unit)) return true;
    if (++moves > maxMoves) return false;
    for (const was of [...state.machinesOf(unit.name)]) {
      state.remove(unit, was);
      dirty.add(was);
    }
    state.add(unit, m);
    dirty.add(m);
    return true;
  };
  const entries = new ScheduleOrder(snapshot.schedule.size, carry.reading, prepared.order, prepared.units, byId);
  for (const [name, ids] of snapshot.schedule) {
    const unit = entries.unitOf(name);
    if (unit !== undefined && !unit.global && ids.length === 1) {
      const id = ids[0]!;
      const m = entries.machineOf(id);
      if (m !== undefined) {
        if (!place(unit, m)) return undefined;
        entries.record(name, id, unit, m);
        continue;
      }
    }
    // The rest as `current.ts` reads it, with the same journal entries.
    affected.add(name);
    const on = readEntry(name, ids, prepared.desired.get(name), byId, journal, causes);
    if (unit === undefined) continue;
    if (unit.global) scheduledGlobals.set(unit, new Set(on));
    // Duplicate entries: phase 2 keeps one and journals the others, which only a full pass does.
    else if (on.length > 1) return undefined;
    else if (on.length === 1) {
      if (!place(unit, on[0]!)) return undefined;
    } else unscheduled.add(name);
  }
  // Ordinary units the state has but the schedule does not.
  let placedGlobals = 0;
  for (const g of carry.globals) if (state.machinesOf(g.name).size > 0) placedGlobals++;
  const extra = state.placedCount - placedGlobals - matched;
  if (extra > 0) {
    if ((moves += extra) > maxMoves) return undefined;
    for (const unit of prepared.order) {
      if (unit.global || (snapshot.schedule.has(unit.name) && !unscheduled.has(unit.name))) continue;
      for (const m of [...state.machinesOf(unit.name)]) {
        state.remove(unit, m);
        dirty.add(m);
      }
    }
  }
  // Global units: phase 1 redoes every machine where the schedule and the state differ.
  const none: ReadonlySet<MachineIndex> = new Set();
  const scheduledOn = (g: PlanUnit): ReadonlySet<MachineIndex> => scheduledGlobals.get(g) ?? none;
  for (const g of carry.globals) {
    affected.add(g.name);
    const want = scheduledOn(g);
    const have = state.machinesOf(g.name);
    for (const m of want) if (!have.has(m)) dirty.add(m);
    for (const m of have) if (!want.has(m)) dirty.add(m);
  }
  const input: ReplayInput = { filters: pipeline.filters, keep: keepFilters(pipeline.filters), globals: carry.globals, scheduledOn };
  for (const m of [...dirty].sort((a, b) => a - b)) if (!replayMachine(m, state, input, journal)) return undefined;
  dirty.clear();
  // A global unit that fits nowhere is explained as phase 1 left the state, which only a full pass has.
  for (const g of carry.globals) if (state.machinesOf(g.name).size === 0) return undefined;
  const pending = new PendingQueue(prepared.order);
  for (const unit of prepared.order) if (!unit.global && !state.isPlaced(unit)) pending.push(unit, causes.get(unit.name));
  carry.recorder.clear();
  carry.recorder.mode = 'all';
  return { state, recorder: carry.recorder, journal, pending, affected, reading: entries.reading() };
}

/**
 * The carry a finished pass leaves: its state, with dirty the machines it
 * changed after phase 2 (`recorder`) or decided about.
 */
export function carryOf(started: Started, prepared: Prepared, given: Pipeline | undefined, plan: Plan): Carry {
  const dirty = new Set(started.recorder.machines);
  // A pass that changed every machine (one from scratch, usually) has nothing to add.
  if (dirty.size < started.state.machines.length) {
    const byId = new Map<string, MachineIndex>();
    for (const m of started.state.machines) byId.set(m.id, m.index);
    for (const d of plan.decisions) {
      const m = byId.get(d.machine);
      if (m !== undefined) dirty.add(m);
    }
  }
  started.recorder.mode = 'off';
  return { state: started.state, recorder: started.recorder, units: prepared.units, given, globals: prepared.order.filter((u) => u.global), dirty, reading: started.reading };
}

function sameMachines(a: readonly MachineInfo[], b: readonly MachineInfo[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x.id !== y.id || x.cordoned !== y.cordoned || !sameRecord(x.metadata, y.metadata) || !sameRecord(x.capacity, y.capacity)) return false;
  }
  return true;
}

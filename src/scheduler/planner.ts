/**
 * The scheduler: a pure function from a cluster snapshot to a plan.
 *
 * 1. global units claim every eligible machine (phase-globals.ts);
 * 2. ordinary units keep their machine while it stays valid (phase-keep.ts);
 * 3. the rest are placed through the pipeline (phase-place.ts);
 * 4. units with a priority that still wait may preempt (phase-preempt.ts);
 * then the final placement is diffed against the schedule (journal.ts).
 */
import type { ClusterSnapshot, Decision, Plan, PlanWarning, Preemption } from './types.js';
import type { OnRemoved } from './evict.js';
import type { PlanUnit } from './model.js';
import { prepare, type Prepared } from './prepare.js';
import { PlacementState } from './state.js';
import { Journal } from './journal.js';
import { PendingQueue } from './pending.js';
import { readSchedule } from './current.js';
import { createPipeline, type Pipeline } from './pipeline.js';
import { placeGlobalUnits } from './phase-globals.js';
import { keepCurrentPlacements } from './phase-keep.js';
import { placePending } from './phase-place.js';
import { preemptWaiting } from './phase-preempt.js';
import type { Explanation } from './explain.js';
import { explainKept } from './explain-cache.js';
import { compareStrings } from './name-index.js';
import { sameInput } from './same-input.js';
import { ScheduleOrder } from './schedule-order.js';
import { carriable, carryOf, startFromCarry, TouchRecorder, type Carry, type Started } from './carry.js';

/**
 * Decides where every unit of `snapshot` should run. Deterministic for a
 * given snapshot (input order does not matter), stable (valid placements are
 * kept) and idempotent (`planSchedule(applyPlan(s, p))` has no decisions).
 * Never throws; problems in the snapshot become warnings. `given`: a
 * pipeline to use instead of the one the snapshot's policy makes.
 *
 * The plan is a function of `snapshot` alone, but the work is not: a pass
 * starts from what the previous pass left when only the schedule changed
 * (`carry.ts`), and an unchanged input gets the previous plan.
 */
export function planSchedule(snapshot: ClusterSnapshot, given?: Pipeline): Plan {
  // The same input as the previous pass (a settled cluster re-planned): the same plan.
  if (previous !== undefined && previous.pipeline === given && sameInput(previous.snapshot, snapshot)) {
    lastPass = 'same-input';
    return previous.plan;
  }
  const plan = planPass(snapshot, given);
  previous = { snapshot, pipeline: given, plan };
  return plan;
}

/**
 * A pass from scratch, which neither uses nor leaves anything for other
 * passes: what {@link planSchedule} must always equal (tests compare them).
 */
export function planFromScratch(snapshot: ClusterSnapshot, given?: Pipeline): Plan {
  const prepared = prepare(snapshot);
  const pipeline = given ?? createPipeline(prepared.policy, prepared.requestsAnything);
  return finish(snapshot, prepared, pipeline, startFull(snapshot, prepared, pipeline)).plan;
}

/** The latest pass's input and plan (see `same-input.ts`). */
let previous: { snapshot: ClusterSnapshot; pipeline: Pipeline | undefined; plan: Plan } | undefined;

/** How the latest {@link planSchedule} call planned: for tests and benchmarks, which must know which path they measured. */
export function lastPassKind(): 'same-input' | 'incremental' | 'full' {
  return lastPass;
}

let lastPass: 'same-input' | 'incremental' | 'full' = 'full';

/** What the latest pass left for the next (see `carry.ts`); undefined after a pass that cannot leave one. */
let carry: Carry | undefined;

function planPass(snapshot: ClusterSnapshot, given: Pipeline | undefined): Plan {
  const prepared = prepare(snapshot);
  // The snapshot's policy decides the pipeline unless the caller brings one (tests, benchmarks).
  const pipeline = given ?? createPipeline(prepared.policy, prepared.requestsAnything);
  const from = carry;
  carry = undefined;
  const canCarry = carriable(pipeline);
  // A pass that moves more than an eighth of the units is cheaper in full.
  const incremental = from !== undefined && canCarry && from.given === given ? startFromCarry(snapshot, prepared, pipeline, from, (prepared.order.length >> 3) + 64) : undefined;
  const started = incremental ?? startFull(snapshot, prepared, pipeline);
  lastPass = incremental === undefined ? 'full' : 'incremental';
  const { plan, exhausted } = finish(snapshot, prepared, pipeline, started);
  if (canCarry && !exhausted) carry = carryOf(started, prepared, given, plan);
  return plan;
}

/** Phases 1 and 2 from nothing: a new state, global units placed, current placements kept. */
function startFull(snapshot: ClusterSnapshot, prepared: Prepared, pipeline: Pipeline): Started & { readonly globalsUnplaced: Explanation[] } {
  const state = new PlacementState(prepared.machines, prepared.units);
  const recorder = TouchRecorder.on(state);
  const journal = new Journal(prepared.units);
  const pending = new PendingQueue(prepared.order);
  const onRemoved = removedHandler(state, journal, pending);
  const order = new ScheduleOrder(snapshot.schedule.size, undefined, prepared.order, prepared.units);
  const current = readSchedule(snapshot, prepared, journal, order);
  const globalsUnplaced = placeGlobalUnits(prepared, current, state, pipeline, journal);
  keepCurrentPlacements(prepared, current, state, pipeline, journal, pending, onRemoved);
  recorder.mode = 'all';
  return { state, recorder, journal, pending, affected: undefined, globalsUnplaced, reading: order.reading() };
}

function removedHandler(state: PlacementState, journal: Journal, pending: PendingQueue): OnRemoved {
  return (unit, m, reason) => {
    journal.unplaced(unit.name, state.machines[m]!.id, reason);
    if (!unit.global) pending.push(unit, reason);
  };
}

/** Phases 3 and 4 (placement, preemption) from `started`, then explanations and the diff. */
function finish(snapshot: ClusterSnapshot, prepared: Prepared, pipeline: Pipeline, started: Started & { readonly globalsUnplaced?: Explanation[] }): { plan: Plan; exhausted: boolean } {
  const { state, journal, pending } = started;
  const onRemoved = removedHandler(state, journal, pending);
  const unplaced: Explanation[] = started.globalsUnplaced ?? [];
  const budget = 8 * prepared.order.length + 64;
  let placed = placePending(state, pipeline, journal, pending, onRemoved, budget);
  let preemptions: Preemption[] = [];
  if (prepared.policy.preemption && prepared.prioritised && placed.unplaced.length > 0 && !placed.exhausted) {
    const place = () => placePending(state, pipeline, journal, pending, onRemoved, budget);
    ({ result: placed, preemptions } = preemptWaiting(placed, state, pipeline, journal, (u) => pending.push(u), onRemoved, place, snapshot.shielded ?? new Set(), prepared.order.length));
  }
  // Units with one signature fit the same machines, so they share one explanation.
  const bySignature = new Map<string, Explanation>();
  for (const unit of placed.unplaced) {
    const known = unit.signature === undefined ? undefined : bySignature.get(unit.signature);
    const e = known === undefined ? explainKept(unit, state, pipeline.filters) : { ...known, unit: unit.name };
    if (unit.signature !== undefined) bySignature.set(unit.signature, e);
    unplaced.push(e);
  }

  const warnings: PlanWarning[] = [...prepared.warnings];
  if (placed.exhausted) {
    warnings.push({
      units: placed.unplaced.map((u) => u.name).sort(compareStrings),
      message: 'placement did not settle (Replaces/MachineOf chain); these units are retried on the next pass',
    });
  }
  const plan: Plan = {
    decisions: diff(snapshot, prepared, started),
    unplaced: unplaced.sort((a, b) => compareStrings(a.unit, b.unit)),
    warnings: warnings.sort((a, b) => compareStrings(a.units[0] ?? '', b.units[0] ?? '') || compareStrings(a.message, b.message)),
    ...(preemptions.length > 0 ? { preemptions } : {}),
  };
  return { plan, exhausted: placed.exhausted };
}

/** The final state against the schedule; after an incremental start, only for the units whose entries may differ. */
function diff(snapshot: ClusterSnapshot, prepared: Prepared, started: Started): Decision[] {
  const { state, journal, affected } = started;
  if (affected === undefined) return journal.diff(snapshot.schedule, state, prepared.machines, prepared.byName);
  const units = journal.units();
  for (const u of affected) units.add(u);
  const schedule = new Map<string, readonly string[]>();
  const active: PlanUnit[] = [];
  for (const u of units) {
    const entry = snapshot.schedule.get(u);
    if (entry !== undefined) schedule.set(u, entry);
    const unit = prepared.units.get(u);
    if (unit !== undefined) active.push(unit);
  }
  return journal.diff(schedule, state, state.machines, active.sort((a, b) => compareStrings(a.name, b.name)));
}

/**
 * The scheduler: a pure function from a cluster snapshot to a plan.
 *
 * 1. global units claim every eligible machine (phase-globals.ts);
 * 2. ordinary units keep their machine while it stays valid (phase-keep.ts);
 * 3. the rest are placed through the pipeline (phase-place.ts);
 * 4. units with a priority that still wait may preempt (phase-preempt.ts);
 * then the final placement is diffed against the schedule (journal.ts).
 */
import type { ClusterSnapshot, Plan, PlanWarning, Preemption } from './types.js';
import type { OnRemoved } from './evict.js';
import { prepare } from './prepare.js';
import { PlacementState } from './state.js';
import { Journal } from './journal.js';
import { PendingQueue } from './pending.js';
import { readSchedule } from './current.js';
import { createPipeline, type Pipeline } from './pipeline.js';
import { placeGlobalUnits } from './phase-globals.js';
import { keepCurrentPlacements } from './phase-keep.js';
import { placePending } from './phase-place.js';
import { preemptWaiting } from './phase-preempt.js';
import { explainUnplaced, type Explanation } from './explain.js';
import { compareStrings } from './name-index.js';
import { sameInput } from './same-input.js';

/**
 * Decides where every unit of `snapshot` should run. Deterministic for a
 * given snapshot (input order does not matter), stable (valid placements are
 * kept) and idempotent (`planSchedule(applyPlan(s, p))` has no decisions).
 * Never throws; problems in the snapshot become warnings. `given`: a
 * pipeline to use instead of the one the snapshot's policy makes.
 */
export function planSchedule(snapshot: ClusterSnapshot, given?: Pipeline): Plan {
  // The same input as the previous pass (a settled cluster re-planned): the same plan.
  if (previous !== undefined && previous.pipeline === given && sameInput(previous.snapshot, snapshot)) return previous.plan;
  const plan = planPass(snapshot, given);
  previous = { snapshot, pipeline: given, plan };
  return plan;
}

/** The latest pass's input and plan (see `same-input.ts`). */
let previous: { snapshot: ClusterSnapshot; pipeline: Pipeline | undefined; plan: Plan } | undefined;

function planPass(snapshot: ClusterSnapshot, given: Pipeline | undefined): Plan {
  const prepared = prepare(snapshot);
  // The snapshot's policy decides the pipeline unless the caller brings one (tests, benchmarks).
  const pipeline = given ?? createPipeline(prepared.policy, prepared.requestsAnything);
  const state = new PlacementState(prepared.machines, prepared.units);
  const journal = new Journal();
  const pending = new PendingQueue(prepared.order);
  const onRemoved: OnRemoved = (unit, m, reason) => {
    journal.unplaced(unit.name, state.machines[m]!.id, reason);
    if (!unit.global) pending.push(unit, reason);
  };

  const current = readSchedule(snapshot, prepared, journal);
  const unplaced = placeGlobalUnits(prepared, current, state, pipeline, journal);
  keepCurrentPlacements(prepared, current, state, pipeline, journal, pending, onRemoved);
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
    const e = known === undefined ? explainUnplaced(unit, state, pipeline.filters) : { ...known, unit: unit.name };
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
  return {
    decisions: journal.diff(snapshot.schedule, state, prepared.machines, prepared.names),
    unplaced: unplaced.sort((a, b) => compareStrings(a.unit, b.unit)),
    warnings: warnings.sort((a, b) => compareStrings(a.units[0] ?? '', b.units[0] ?? '') || compareStrings(a.message, b.message)),
    ...(preemptions.length > 0 ? { preemptions } : {}),
  };
}

import { planSchedule, type Plan, type Pipeline } from '../scheduler/index.js';
import type { ScheduleEntry, ScheduleOp } from '../registry/index.js';
import type { ClusterCache } from './cluster-cache.js';
import { RolloutPins } from '../rollout/index.js';
import type { RequirementsCache } from './requirements-cache.js';
import { buildSnapshot, type BrokenUnit } from './snapshot.js';

/** One engine pass, decided: the writes to make and why. */
export interface ReconcilePlan {
  /** Schedule writes, deletes first, then puts; deterministic order. */
  readonly ops: readonly ScheduleOp[];
  /** The scheduler's plan (decisions, unplaced units with explanations, warnings). */
  readonly plan: Plan;
  /** Units left out of scheduling because their `[X-Fleet]` cannot be read, by name. */
  readonly broken: readonly BrokenUnit[];
  /** Why the stored placement policy is not used (the default is); undefined when it is. */
  readonly policyProblem?: string;
}

/**
 * Decides one engine pass from the cache (units, desired states, machines,
 * schedule and cordons) at time `nowMs`; `shielded` units are never
 * preempted (the engine's flap guard). Pure apart from memoizing unit
 * requirements in `requirements`.
 *
 * Besides the scheduler's schedule/unschedule decisions, entries the plan
 * keeps are refreshed when the unit's content hash or desired state changed,
 * so agents see `fleetctl stop` (launched -> loaded) and `--replace` (new
 * hash) through the same per-machine keys they already watch. While a
 * rollout runs, an entry's hash is the one its rollout progress pins
 * (`src/rollout/pins.ts`).
 */
export function planReconcile(cache: ClusterCache, requirements: RequirementsCache, nowMs: number, pipeline?: Pipeline, shielded?: ReadonlySet<string>): ReconcilePlan {
  const { snapshot, broken, policyProblem } = buildSnapshot(
    {
      units: cache.units.values(),
      desired: cache.desired,
      machines: cache.machines.values(),
      metadataOf: (m) => cache.metadataOf(m),
      schedule: cache.entries(),
      cordons: cache.cordons,
      nowMs,
      ...(cache.policy !== undefined ? { policy: cache.policy } : {}),
      ...(shielded !== undefined ? { shielded } : {}),
    },
    (u) => requirements.get(u),
  );
  requirements.retain(cache.units);
  const plan = planSchedule(snapshot, pipeline);
  return { ops: scheduleOps(cache, plan), plan, broken, ...(policyProblem !== undefined ? { policyProblem } : {}) };
}

/** Turns decisions into registry ops and adds refreshes for kept entries whose hash or target state is stale. */
function scheduleOps(cache: ClusterCache, plan: Plan): ScheduleOp[] {
  const deletes: ScheduleOp[] = [];
  const puts: ScheduleOp[] = [];
  const touched = new Set<string>();
  // A unit placed by preemption tells the agent whom it displaced, so it starts only once they are stopped.
  const preempts = new Map<string, string[]>();
  for (const p of plan.preemptions ?? []) preempts.set(`${p.machine}\0${p.unit}`, p.victims.map((v) => v.unit));
  // While a rollout is unfinished its targets run the text their progress says, not necessarily their record's.
  const pins = new RolloutPins(cache.rollouts.values());
  const entryFor = (unit: string, machineId: string): ScheduleEntry | undefined => {
    const u = cache.units.get(unit);
    const d = cache.desired.get(unit);
    if (u === undefined || d === undefined || d === 'inactive') return undefined;
    return { machineId, name: unit, hash: pins.hashFor(unit, machineId, u.hash), targetState: d };
  };
  for (const dec of plan.decisions) {
    touched.add(`${dec.machine}\0${dec.unit}`);
    if (dec.kind === 'unschedule') {
      deletes.push({ type: 'delete', machineId: dec.machine, name: dec.unit, reason: dec.reason });
    } else {
      const entry = entryFor(dec.unit, dec.machine);
      const victims = preempts.get(`${dec.machine}\0${dec.unit}`);
      if (entry !== undefined) puts.push({ type: 'put', entry: victims === undefined ? entry : { ...entry, preempts: victims }, reason: dec.reason });
    }
  }
  for (const e of cache.entries()) {
    if (touched.has(`${e.machineId}\0${e.name}`)) continue;
    const want = entryFor(e.name, e.machineId);
    if (want === undefined) {
      // The scheduler already unschedules entries of units it saw; one it did
      // not see (a unit left out as broken) still goes once the unit is
      // destroyed or set inactive: an operator can always unload it.
      deletes.push({ type: 'delete', machineId: e.machineId, name: e.name, reason: 'unit inactive or destroyed' });
      continue;
    }
    if (want.hash !== e.hash || want.targetState !== e.targetState) puts.push({ type: 'put', entry: want });
  }
  const key = (op: ScheduleOp) => (op.type === 'put' ? `${op.entry.machineId}\0${op.entry.name}` : `${op.machineId}\0${op.name}`);
  const byKey = (a: ScheduleOp, b: ScheduleOp) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0);
  return [...deletes.sort(byKey), ...puts.sort(byKey)];
}

/**
 * Applies a plan to its snapshot, the way the engine's writes would: used to
 * check idempotence and to simulate several passes in tests.
 */
import type { ClusterSnapshot, Plan } from './types.js';
import { compareStrings } from './name-index.js';

/** A copy of `snapshot` whose schedule has `plan`'s unschedules removed and schedules added (machine ids sorted). */
export function applyPlan(snapshot: ClusterSnapshot, plan: Plan): ClusterSnapshot {
  const schedule = new Map<string, Set<string>>();
  for (const [unit, ids] of snapshot.schedule) schedule.set(unit, new Set(ids));
  for (const d of plan.decisions) {
    let ids = schedule.get(d.unit);
    if (d.kind === 'unschedule') {
      ids?.delete(d.machine);
      continue;
    }
    if (ids === undefined) schedule.set(d.unit, (ids = new Set()));
    ids.add(d.machine);
  }
  const out = new Map<string, readonly string[]>();
  for (const unit of [...schedule.keys()].sort(compareStrings)) {
    const ids = [...schedule.get(unit)!].sort(compareStrings);
    if (ids.length > 0) out.set(unit, ids);
  }
  return { ...snapshot, schedule: out };
}

/** Counts of a rollout's progress, for status output (API, fleetctl). Pure. */
import type { RolloutRecord, TargetStatus } from './types.js';

/** How many targets are in each status, and the batch in progress. */
export interface RolloutSummary {
  readonly targets: number;
  readonly byStatus: Readonly<Record<TargetStatus, number>>;
  /** Index of the last batch (in progress or finished); undefined before the first. */
  readonly batch?: number;
  /** Targets on the new text and healthy, out of `targets`. */
  readonly updated: number;
  /** Whether the engine will do nothing more (until an undo of a done rollout). */
  readonly finished: boolean;
}

/** Summarizes `r`. */
export function summarizeRollout(r: RolloutRecord): RolloutSummary {
  const byStatus: Record<TargetStatus, number> = { pending: 0, updating: 0, healthy: 0, failed: 0, reverting: 0, reverted: 0 };
  for (const t of r.targets) byStatus[t.status]++;
  const last = r.batches.at(-1);
  return {
    targets: r.targets.length,
    byStatus,
    ...(last !== undefined ? { batch: last.index } : {}),
    updated: byStatus.healthy,
    finished: r.phase === 'done' || r.phase === 'reverted',
  };
}

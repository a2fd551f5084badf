/**
 * Rollout progress as cluster events (pure): the difference between a
 * `rollouts/<group>` record and its previous value. The engine leader
 * advances the record in fenced writes, so every batch started, judged or
 * reverted, and every phase reached, is one change of that key.
 */
import type { RolloutBatch, RolloutPhase, RolloutRecord } from '../rollout/types.js';
import type { FleetEvent } from './types.js';

/** Phases that are events of their own when reached (`pending` and `running` are told by `rollout.started`). */
const PHASE_EVENTS: Readonly<Partial<Record<RolloutPhase, 'rollout.failed' | 'rollout.reverting' | 'rollout.reverted' | 'rollout.done'>>> = {
  failed: 'rollout.failed',
  reverting: 'rollout.reverting',
  reverted: 'rollout.reverted',
  done: 'rollout.done',
};

/**
 * The events of one change of `rollouts/<group>`: `now` the record written
 * (undefined: deleted), `was` its previous value (undefined: created).
 */
export function rolloutEvents(revision: number, time: string, group: string, now: RolloutRecord | undefined, was: RolloutRecord | undefined): FleetEvent[] {
  if (now === undefined) return [];
  const base = { revision, time, unit: group } as const;
  const out: FleetEvent[] = [];
  const restarted = was !== undefined && now.createdAt !== was.createdAt; // a new rollout of the same group replaced the record
  const prev = restarted ? undefined : was;
  if (prev === undefined) out.push({ ...base, type: 'rollout.started', kind: now.kind, fromHash: now.fromHash, toHash: now.toHash, phase: now.phase });
  const before = new Map((prev?.batches ?? []).map((b) => [b.index, b]));
  for (const b of now.batches) {
    const old = before.get(b.index);
    if (old === undefined) out.push({ ...base, type: 'rollout.batch-started', ...batchFields(b) });
    if (b.state !== 'running' && old?.state !== b.state) {
      out.push({ ...base, type: b.state === 'healthy' ? 'rollout.batch-healthy' : 'rollout.batch-failed', ...batchFields(b), ...(b.reason !== undefined ? { reason: b.reason } : {}) });
    }
  }
  const phaseEvent = PHASE_EVENTS[now.phase];
  if (phaseEvent !== undefined && prev?.phase !== now.phase) out.push({ ...base, type: phaseEvent, ...(now.message !== undefined ? { message: now.message } : {}) });
  return out;
}

function batchFields(b: RolloutBatch): { batch: number; batchKind: RolloutBatch['kind']; targets: readonly string[] } {
  return { batch: b.index, batchKind: b.kind, targets: b.targets };
}

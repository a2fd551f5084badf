/**
 * The operator's requests on a stored rollout (pure): pause, resume, undo.
 * They only set flags the engine acts on (`paused`, `undoRequested`), so
 * the API never moves a rollout itself.
 */
import { RolloutRejectedError } from './errors.js';
import type { RolloutRecord } from './types.js';

/** What an operator may ask of a rollout. */
export type RolloutControl = 'pause' | 'resume' | 'undo';

/** Every control, for validation at the edges. */
export const ROLLOUT_CONTROLS: readonly RolloutControl[] = ['pause', 'resume', 'undo'];

/**
 * Applies `control` to `record` at `now`.
 * @returns the record to store; the same object when nothing changes
 *   (pausing a paused rollout, resuming a running one).
 * @throws {RolloutRejectedError} `conflict` when the phase does not allow it
 *   (pausing a finished rollout, undoing one that is reverting or reverted).
 */
export function applyRolloutControl(record: RolloutRecord, control: RolloutControl, now: number): RolloutRecord {
  const { group, phase } = record;
  switch (control) {
    case 'pause':
      if (phase === 'done' || phase === 'reverted' || phase === 'failed') throw new RolloutRejectedError('conflict', group, `the rollout of ${group} is ${phase}; nothing to pause`);
      return record.paused ? record : { ...record, paused: true, updatedAt: now };
    case 'resume':
      if (!record.paused) return record;
      return { ...record, paused: false, updatedAt: now };
    case 'undo':
      if (phase === 'reverting' || phase === 'reverted') throw new RolloutRejectedError('conflict', group, `the rollout of ${group} is already ${phase}`);
      if (record.undoRequested) return record;
      return { ...record, undoRequested: true, paused: false, updatedAt: now };
  }
}

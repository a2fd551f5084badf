/**
 * Following a rollout until it ends, as `fleetctl rollout FILE` and a
 * blocking `fleetctl apply` do: a bar on a terminal, a line per change
 * otherwise, and the end (done, failed, reverted) on its own line.
 */
import { formatMs, summarizeRollout, type RolloutRecord } from '../../src/rollout/index.js';
import { shortHash } from '../../src/units/index.js';
import { errorMessage } from '../client/errors.js';
import type { CommandContext } from '../context.js';

/** How the progress is shown: `text` prints it, `quiet` prints nothing (e.g. under `-o json`). */
export type FollowMode = 'text' | 'quiet';

/** How a followed rollout ended. */
export interface FollowResult {
  /** 0 when it is done; 1 when it failed, was reverted, vanished, or the wait stopped. */
  readonly code: 0 | 1;
  /** The record as last seen; undefined when it could not be read. */
  readonly record?: RolloutRecord;
}

/**
 * Waits for the rollout of `group` to end (done, failed or reverted),
 * showing progress as `mode` says. Never rejects: a read error or Ctrl-C
 * ends the wait with code 1 and a message (the rollout goes on).
 */
export async function followRollout(ctx: CommandContext, group: string, mode: FollowMode = 'text'): Promise<FollowResult> {
  const say = mode === 'text';
  let last = '';
  let record: RolloutRecord | undefined;
  try {
    for (;;) {
      const r = await ctx.client.getRollout(group);
      if (r === undefined) {
        if (say) ctx.out.stderr.write(`The rollout of ${group} disappeared\n`);
        return { code: 1 };
      }
      record = r;
      const line = progressLine(r);
      if (say && ctx.out.isTTY) ctx.out.progress(`${progressBar(r)} ${line}`);
      else if (say && line !== last) ctx.out.stdout.write(`${line}\n`);
      last = line;
      if (r.phase === 'done' || r.phase === 'reverted' || r.phase === 'failed') {
        if (say) ctx.out.progress(undefined);
        const ok = r.phase === 'done';
        if (say) (ok ? ctx.out.stdout : ctx.out.stderr).write(`Rollout of ${group} ${r.phase}${r.message !== undefined ? `: ${r.message}` : ''}\n`);
        return { code: ok ? 0 : 1, record: r };
      }
      await ctx.timing.sleep(ctx.timing.pollMs * 4, ctx.signal);
    }
  } catch (err) {
    if (say) ctx.out.progress(undefined);
    if (say) ctx.out.stderr.write(ctx.signal?.aborted ? `Stopped waiting; the rollout of ${group} goes on (fleetctl rollout status ${group})\n` : `Error following the rollout of ${group}: ${errorMessage(err)}\n`);
    return record === undefined ? { code: 1 } : { code: 1, record };
  }
}

/** `[#####.....]` over the targets: healthy on the new text (or reverted) out of all. */
export function progressBar(r: RolloutRecord, width = 20): string {
  const sum = summarizeRollout(r);
  const done = r.phase === 'reverting' || r.phase === 'reverted' ? sum.byStatus.reverted : sum.byStatus.healthy;
  const filled = sum.targets === 0 ? (sum.finished ? width : 0) : Math.round((done / sum.targets) * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
}

/** One line of progress: phase, counts, the batch in progress. */
export function progressLine(r: RolloutRecord): string {
  const sum = summarizeRollout(r);
  const b = sum.byStatus;
  const batch = r.batches.at(-1);
  const parts = [`${r.group}: ${r.phase}${r.paused ? ' (paused)' : ''}`, `${b.healthy}/${sum.targets} updated`];
  if (b.failed > 0) parts.push(`${b.failed} failed`);
  if (b.reverted > 0 || r.phase === 'reverting') parts.push(`${b.reverted} reverted`);
  if (batch !== undefined) parts.push(`batch ${batch.index} (${batch.kind}, ${batch.state}): ${batch.targets.join(' ')}`);
  return parts.join(', ');
}

/** `Rollout of web@.service started: 1a2b3c4 -> 5d6e7f8, 2 at a time, healthy after 10s, deadline 5m0s[, auto-revert]`. */
export function startedLine(r: RolloutRecord): string {
  const s = r.settings;
  return `Rollout of ${r.group} started: ${shortHash(r.fromHash)} -> ${shortHash(r.toHash)}, ${s.maxParallel} at a time, healthy after ${formatMs(s.minHealthyTimeMs)}, deadline ${formatMs(s.healthyDeadlineMs)}${s.autoRevert ? ', auto-revert' : ''}`;
}

/**
 * Cordons: machines that take no new units for a while (what runs there
 * stays). Part of the planning input (`ClusterCache.cordons`), so the
 * engine's decisions and its explanations see the same cordons.
 */

/** Why a machine takes no new units, and until when (see the scheduler's Cordon filter). */
export interface Cordon {
  /** Shown to operators in explanations. */
  readonly reason: string;
  /** The cordon ends at this time (ms, on the engine's clock); it also ends when the machine leaves. */
  readonly untilMs: number;
}

/** The reason shown for a cordoned previous leader. */
export const PREVIOUS_LEADER_REASON = 'it was the engine leader until its lease expired, so it may be dead; its registration has not expired yet';

/**
 * The cordon a new leader puts on the machine that led before it: its engine
 * lease expired, so it is probably dead, but its registration lives up to
 * agent_ttl longer, and new work must not land where nothing will run it.
 * Undefined when there was no other previous leader or `forMs` is 0.
 */
export function previousLeaderCordon(
  previous: string | undefined,
  self: string,
  nowMs: number,
  forMs: number,
): { readonly machine: string; readonly cordon: Cordon } | undefined {
  if (previous === undefined || previous === self || forMs <= 0) return undefined;
  return { machine: previous, cordon: { reason: PREVIOUS_LEADER_REASON, untilMs: nowMs + forMs } };
}

/**
 * The one retry backoff: `initialMs · 2ⁿ`, capped at `maxMs` (fleet's
 * 100 ms doubling to 2 s unless a caller says otherwise). Pure: callers
 * schedule the delay on their injected clock.
 */

export interface BackoffPolicy {
  /** Delay before the first retry, ms. */
  readonly initialMs: number;
  /** Longest delay, ms. */
  readonly maxMs: number;
}

/** 100 ms doubling to 2 s: every registry and agent retry loop. */
export const DEFAULT_BACKOFF: BackoffPolicy = Object.freeze({ initialMs: 100, maxMs: 2000 });

/** The delay before retry number `attempt` (0-based): `min(maxMs, initialMs · 2^attempt)`. Never throws. */
export function backoffDelay(attempt: number, policy: BackoffPolicy = DEFAULT_BACKOFF): number {
  return Math.min(policy.maxMs, policy.initialMs * 2 ** Math.max(0, Math.min(attempt, 52)));
}

/** A retry counter: {@link next} returns the next delay and counts the attempt; {@link reset} after a success. */
export class Backoff {
  private attempt = 0;

  constructor(private readonly policy: BackoffPolicy = DEFAULT_BACKOFF) {}

  /** The delay before the next retry, ms; each call counts one more failure. */
  next(): number {
    return backoffDelay(this.attempt++, this.policy);
  }

  /** Starts over at `initialMs` (call after a success). */
  reset(): void {
    this.attempt = 0;
  }

  /** Failures counted since the last reset. */
  get failures(): number {
    return this.attempt;
  }
}

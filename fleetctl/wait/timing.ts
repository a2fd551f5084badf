/**
 * How blocking commands pace their polls (§5.6): one attempt is a 2 s window
 * polled every 250 ms. Injected so tests can run the same logic in
 * milliseconds.
 */
import { keepAliveClock, sleep as sleepOn } from '../../src/clock.js';

/** Poll pacing. */
export interface WaitTiming {
  /** Delay before each poll, ms (fleet: 250). */
  readonly pollMs: number;
  /** Length of one `--block-attempts` window, ms (fleet: 2000). */
  readonly attemptMs: number;
  /** Resolves after `ms`; rejects with an AbortError if `signal` aborts first. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** Sleeps on a ref'd timer (the CLI must stay alive while it waits); rejects when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return sleepOn(keepAliveClock, ms, signal);
}

/** fleet's pacing. */
export const FLEET_TIMING: WaitTiming = { pollMs: 250, attemptMs: 2000, sleep };

/** `--no-block` and `--block-attempts` resolved: undefined = don't wait, 0 = wait forever, N = N windows. */
export type BlockAttempts = number | undefined;

/**
 * fleet's getBlockAttempts: `--no-block` wins; otherwise a positive
 * `--block-attempts` bounds the wait and anything else waits forever.
 */
export function resolveBlockAttempts(noBlock: boolean, blockAttempts: number): BlockAttempts {
  if (noBlock) return undefined;
  return blockAttempts > 0 ? blockAttempts : 0;
}

/** Polls allowed for `attempts` windows; Infinity for 0 (forever). */
export function pollBudget(timing: WaitTiming, attempts: number): number {
  if (attempts <= 0) return Infinity;
  return attempts * Math.max(1, Math.ceil(timing.attemptMs / timing.pollMs));
}

/** `--block-attempts` windows as a duration for messages: `4s`. */
export function windowText(timing: WaitTiming, attempts: number): string {
  const ms = attempts * timing.attemptMs;
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

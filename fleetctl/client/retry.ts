/**
 * Retrying transient API failures (503, a reset connection) with backoff,
 * within a time budget (`--request-timeout`), so a burst that briefly
 * overloads fleetd or etcd slows a command down instead of failing it.
 */
import { backoffDelay, type BackoffPolicy } from '../../src/domain/backoff.js';
import { errorMessage, FleetClientError } from './errors.js';

/** How long and how to wait; injected so tests run on a manual clock. */
export interface RetryPolicy {
  /** Time from the first attempt after which no new attempt starts, ms; 0 = never retry. */
  readonly budgetMs: number;
  now(): number;
  sleep(ms: number): Promise<void>;
  /** A number in [0, 1) for jitter; default Math.random. */
  random?(): number;
}

/** No retries (one attempt). */
export const NO_RETRY: RetryPolicy = { budgetMs: 0, now: () => 0, sleep: async () => undefined };

/** fleetctl's backoff: 50 ms doubling to 1 s (a command has only its request timeout to spend). */
const CLIENT_BACKOFF: BackoffPolicy = { initialMs: 50, maxMs: 1000 };

/**
 * The pause before retry number `attempt` (0-based): the one backoff
 * (src/domain) with the upper half jittered by `random` in [0, 1), so
 * concurrent requests refused together do not come back together.
 */
export function retryDelayMs(attempt: number, random: number): number {
  const base = backoffDelay(attempt, CLIENT_BACKOFF);
  return Math.round(base / 2 + (base / 2) * random);
}

/**
 * Runs `attempt` until it succeeds, fails with an error that is not
 * `retryable`, or the budget would be exceeded by the next pause.
 * @throws the last error; after retries its message says how many attempts were made.
 */
export async function withRetry<T>(policy: RetryPolicy, attempt: () => Promise<T>): Promise<T> {
  const start = policy.now();
  for (let n = 0; ; n++) {
    try {
      return await attempt();
    } catch (err) {
      if (!(err instanceof FleetClientError) || !err.retryable) throw err;
      const delay = retryDelayMs(n, (policy.random ?? Math.random)());
      const elapsed = policy.now() - start;
      if (elapsed + delay > policy.budgetMs) {
        if (n === 0) throw err;
        err.message = `${errorMessage(err)} (gave up after ${n + 1} attempts in ${(elapsed / 1000).toFixed(1)}s)`;
        throw err;
      }
      await policy.sleep(delay);
    }
  }
}

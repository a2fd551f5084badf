/**
 * Per-identity token buckets (Kubernetes' QPS/burst): each identity may
 * send `burst` requests at once and `qps` per second sustained. Time comes
 * from an injected clock. Memory stays bounded: a bucket that has refilled
 * completely carries no information and is dropped when the table grows.
 */
import type { Clock } from '../clock.js';

/** Limits of {@link RateLimiter}. */
export interface RateLimits {
  /** Sustained requests per second per identity (> 0). */
  readonly qps: number;
  /** Requests an idle identity may send at once (>= 1). */
  readonly burst: number;
}

/** Outcome of {@link RateLimiter.take}. */
export type RateDecision = { readonly allowed: true } | { readonly allowed: false; readonly retryAfterMs: number };

interface Bucket {
  tokens: number;
  at: number;
}

/** Default number of buckets kept before full ones are swept. */
const SWEEP_AT = 1024;

/** Token buckets keyed by identity. */
export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  /** @throws {RangeError} for limits that are not positive. */
  constructor(
    private readonly limits: RateLimits,
    private readonly clock: Pick<Clock, 'now'>,
  ) {
    if (!(limits.qps > 0) || !Number.isFinite(limits.qps)) throw new RangeError(`qps must be a positive number, got ${limits.qps}`);
    if (!(limits.burst >= 1) || !Number.isFinite(limits.burst)) throw new RangeError(`burst must be at least 1, got ${limits.burst}`);
  }

  /**
   * Takes one request's token from `identity`'s bucket.
   * @returns allowed, or refused with how long until a token is available (ms, > 0).
   */
  take(identity: string): RateDecision {
    const now = this.clock.now();
    const b = this.refilled(identity, now);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return { allowed: true };
    }
    return { allowed: false, retryAfterMs: Math.max(1, Math.ceil(((1 - b.tokens) / this.limits.qps) * 1000)) };
  }

  /** Number of buckets held (for tests of the memory bound). */
  get size(): number {
    return this.buckets.size;
  }

  private refilled(identity: string, now: number): Bucket {
    let b = this.buckets.get(identity);
    if (b === undefined) {
      if (this.buckets.size >= SWEEP_AT) this.sweep(now);
      b = { tokens: this.limits.burst, at: now };
      this.buckets.set(identity, b);
      return b;
    }
    const elapsed = Math.max(0, now - b.at);
    b.tokens = Math.min(this.limits.burst, b.tokens + (elapsed / 1000) * this.limits.qps);
    b.at = now;
    return b;
  }

  private sweep(now: number): void {
    for (const [k, b] of this.buckets) {
      if (b.tokens + ((now - b.at) / 1000) * this.limits.qps >= this.limits.burst) this.buckets.delete(k);
    }
  }
}

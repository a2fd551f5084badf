/**
 * Per-identity cap on API requests in flight: each identity (token, or the
 * local socket) runs at most `maxInflight` requests at once; more wait in
 * that identity's own queue, first come first served, and beyond
 * `maxQueued` waiting ones are refused. One identity can therefore hold at
 * most `maxInflight` of the API's etcd slots, however fast it sends.
 * Memory stays bounded: an identity with nothing running or waiting holds
 * no entry. Pure bookkeeping: the caller parks and wakes its waiters.
 */

/** Limits of {@link InflightLimiter}. */
export interface InflightLimits {
  /** Requests one identity may have running at once (>= 1). */
  readonly maxInflight: number;
  /** Requests one identity may have waiting for a slot (>= 0); more are refused. */
  readonly maxQueued: number;
}

/** Outcome of {@link InflightLimiter.acquire}: run now, wait to be handed a slot by `release`, or refused (queue full). */
export type InflightDecision = 'run' | 'queued' | 'full';

interface Entry<W> {
  running: number;
  readonly waiting: W[];
}

/** Slots and queues keyed by identity; `W` is whatever the caller wakes a waiter with. */
export class InflightLimiter<W> {
  private readonly entries = new Map<string, Entry<W>>();

  /** @throws {RangeError} for limits out of range. */
  constructor(readonly limits: InflightLimits) {
    if (!Number.isInteger(limits.maxInflight) || limits.maxInflight < 1) throw new RangeError(`maxInflight must be an integer of at least 1, got ${limits.maxInflight}`);
    if (!Number.isInteger(limits.maxQueued) || limits.maxQueued < 0) throw new RangeError(`maxQueued must be an integer of at least 0, got ${limits.maxQueued}`);
  }

  /**
   * Asks for a slot for `identity`. On `queued`, `waiter` is returned by a
   * later {@link release} of the same identity, which hands it the slot.
   */
  acquire(identity: string, waiter: W): InflightDecision {
    let e = this.entries.get(identity);
    if (e === undefined) {
      e = { running: 0, waiting: [] };
      this.entries.set(identity, e);
    }
    if (e.running < this.limits.maxInflight) {
      e.running++;
      return 'run';
    }
    if (e.waiting.length >= this.limits.maxQueued) return 'full';
    e.waiting.push(waiter);
    return 'queued';
  }

  /**
   * Gives back one running slot of `identity`.
   * @returns the identity's oldest waiter, which now holds the slot; undefined when none waited.
   * @throws {Error} when the identity has nothing running (a caller bug).
   */
  release(identity: string): W | undefined {
    const e = this.entries.get(identity);
    if (e === undefined || e.running === 0) throw new Error(`in-flight limiter: release of ${identity} with nothing running`);
    const next = e.waiting.shift();
    if (next !== undefined) return next;
    e.running--;
    if (e.running === 0) this.entries.delete(identity);
    return undefined;
  }

  /**
   * Removes `waiter` from `identity`'s queue (its client went away).
   * @returns whether it was waiting; false once {@link release} has handed it a slot.
   */
  cancel(identity: string, waiter: W): boolean {
    const e = this.entries.get(identity);
    const i = e === undefined ? -1 : e.waiting.indexOf(waiter);
    if (i < 0) return false;
    e!.waiting.splice(i, 1);
    return true;
  }

  /** Running and waiting requests of `identity`. */
  load(identity: string): { running: number; waiting: number } {
    const e = this.entries.get(identity);
    return { running: e?.running ?? 0, waiting: e?.waiting.length ?? 0 };
  }

  /** Identities with something running or waiting (for tests of the memory bound). */
  get size(): number {
    return this.entries.size;
  }
}

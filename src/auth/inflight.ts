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
  /** The bounded class the identity is reported under (see {@link InflightLimiter.loadByGroup}). */
  readonly group: string;
}

/** Requests of one group of identities (see {@link InflightLimiter.loadByGroup}). */
export interface InflightGroupLoad {
  /** Requests running, summed over the group's identities. */
  readonly running: number;
  /** Requests waiting for a slot, summed over the group's identities. */
  readonly waiting: number;
  /** The longest queue of one identity of the group (how close it is to `maxQueued`). */
  readonly maxWaiting: number;
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
   * `group` is the bounded class the identity is counted under in
   * {@link loadByGroup} (e.g. a token's role; default the identity itself),
   * taken from the request that finds the identity idle.
   */
  acquire(identity: string, waiter: W, group: string = identity): InflightDecision {
    let e = this.entries.get(identity);
    if (e === undefined) {
      e = { running: 0, waiting: [], group };
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

  /**
   * Running and waiting requests summed by group (identities that hold
   * nothing are absent), for a metric whose label set stays as small as the
   * set of groups however many identities there are. O(identities busy now).
   */
  loadByGroup(): Map<string, InflightGroupLoad> {
    const out = new Map<string, InflightGroupLoad>();
    for (const e of this.entries.values()) {
      const g = out.get(e.group) ?? { running: 0, waiting: 0, maxWaiting: 0 };
      out.set(e.group, { running: g.running + e.running, waiting: g.waiting + e.waiting.length, maxWaiting: Math.max(g.maxWaiting, e.waiting.length) });
    }
    return out;
  }

  /** Identities with something running or waiting (for tests of the memory bound). */
  get size(): number {
    return this.entries.size;
  }
}

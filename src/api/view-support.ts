/** What the API's watch-fed views (`ScheduleView`, `UnitsView`, `MachinesView`) share: nested maps, stopping when unused, the follow lifecycle. */
import { systemClock, type Clock, type TimerHandle } from '../clock.js';
import { follow, type FollowSource } from '../registry/watch.js';
import type { Subscription } from '../registry/index.js';

/** Sets `outer[a][b]` to `value`, or deletes it (and an emptied inner map) when `value` is undefined. */
export function setNested<V>(outer: Map<string, Map<string, V>>, a: string, b: string, value: V | undefined): void {
  let inner = outer.get(a);
  if (value !== undefined) {
    if (inner === undefined) outer.set(a, (inner = new Map()));
    inner.set(b, value);
  } else if (inner !== undefined) {
    inner.delete(b);
    if (inner.size === 0) outer.delete(a);
  }
}

/** Calls `stop` once `idleMs` passed without a {@link IdleStop.touch}; armed by the first touch after start or stop. */
export class IdleStop {
  private lastUse = 0;
  private timer: TimerHandle | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly idleMs: number,
    private readonly stop: () => void,
  ) {}

  /** Marks a use; arms the timer when it is not running. */
  touch(): void {
    this.lastUse = this.clock.now();
    if (this.timer === undefined) this.arm(this.idleMs);
  }

  /** Disarms the timer (the owner stopped by itself). */
  cancel(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private arm(ms: number): void {
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      const idle = this.clock.now() - this.lastUse;
      if (idle >= this.idleMs) this.stop();
      else this.arm(this.idleMs - idle);
    }, ms);
  }
}

/** What a {@link FollowedView} keeps: a cache built from a listing and changed by events. */
export interface ViewModel<S, E, C> {
  /** A fresh cache from a complete listing. */
  fromSnapshot(snapshot: S): C;
  /** Applies changes (in revision order) to the cache. */
  apply(cache: C, events: readonly E[]): void;
  /** The revision of the last of `events`, for reads that wait for their own writes; undefined when none counts. */
  revisionOf(events: readonly E[]): bigint | undefined;
}

/** Options of {@link FollowedView}. */
export interface FollowedViewOptions {
  /** Stop following after this long without a read, ms; default 60 000. */
  readonly idleMs?: number;
  readonly clock?: Clock;
}

/**
 * The lifecycle the API's watch-fed views share: the house cache pattern
 * (`follow`: list at R, watch from R+1, re-list on a gap) started by the
 * first use and stopped after `idleMs` without one, so a fleetd whose API
 * nobody reads watches nothing; the revision the cache holds everything up
 * to; and reads waiting for a revision (read-your-writes).
 */
export class FollowedView<S extends { readonly revision: bigint }, E, C> {
  private readonly clock: Clock;
  private readonly idle: IdleStop;
  private sub: Subscription | undefined;
  private cache: C | undefined;
  private connected = true;
  /** Every change up to this revision is in {@link cache}. */
  private seen = 0n;
  private waiters: Array<{ readonly revision: bigint; readonly done: () => void }> = [];

  constructor(
    private readonly source: FollowSource<S, E>,
    private readonly model: ViewModel<S, E, C>,
    options: FollowedViewOptions = {},
  ) {
    this.clock = options.clock ?? systemClock;
    this.idle = new IdleStop(this.clock, options.idleMs ?? 60_000, () => void this.close());
  }

  /** Whether reads can be answered from memory. */
  get live(): boolean {
    return this.cache !== undefined && this.connected;
  }

  /** Whether the (first) listing is still to come: a read then waits for it rather than reading the same records itself. */
  get listing(): boolean {
    return this.cache === undefined;
  }

  /** Whether the watch is connected (a disconnected view answers nothing: reads go to etcd). */
  get isConnected(): boolean {
    return this.connected;
  }

  /** Marks a use: starts following if stopped, and re-arms the idle stop. */
  use(): void {
    this.idle.touch();
    if (this.sub === undefined) this.follow();
  }

  /** The cache when live (after {@link use}), else undefined. */
  now(): C | undefined {
    this.use();
    return this.live ? this.cache : undefined;
  }

  /**
   * The cache once it holds every change up to `revision`, waiting at most
   * `ms` for the watch to get there; undefined when it did not (read etcd).
   */
  async at(revision: bigint, ms: number): Promise<C | undefined> {
    this.use();
    if (!this.live || this.seen < revision) await this.waitFor(revision, ms);
    return this.live && this.seen >= revision ? this.cache : undefined;
  }

  /** Stops following (idempotent); the next use starts again. */
  async close(): Promise<void> {
    this.idle.cancel();
    const sub = this.sub;
    this.sub = undefined;
    this.cache = undefined;
    this.seen = 0n;
    this.release(true);
    await sub?.close();
  }

  private waitFor(revision: bigint, ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = this.clock.setTimeout(() => finish(), ms);
      const finish = (): void => {
        this.clock.clearTimeout(timer);
        this.waiters = this.waiters.filter((w) => w.done !== finish);
        resolve();
      };
      this.waiters.push({ revision, done: finish });
    });
  }

  /** Wakes the reads waiting for a revision the view has now; `all`: every read (they read etcd instead). */
  private release(all = false): void {
    for (const w of [...this.waiters]) if (all || (this.live && w.revision <= this.seen)) w.done();
  }

  private follow(): void {
    this.connected = true;
    this.sub = follow<S, E>(this.source, {
      onSnapshot: (snap) => {
        this.cache = this.model.fromSnapshot(snap);
        this.seen = snap.revision;
        this.connected = true;
        this.release();
      },
      onEvents: (events) => {
        if (this.cache === undefined) return;
        this.model.apply(this.cache, events);
        const last = this.model.revisionOf(events);
        if (last !== undefined && last > this.seen) this.seen = last;
        this.release();
      },
      onResync: () => {
        // Listed again next; reads meanwhile wait for that listing.
        this.cache = undefined;
        this.seen = 0n;
      },
      onConnection: (connected) => {
        this.connected = connected;
        this.release(!connected);
      },
      onError: () => {
        // The listing failed (retried with backoff): reads go to etcd meanwhile, and fail as etcd does.
        this.release(true);
      },
    }, { clock: this.clock });
  }
}

/**
 * One etcd watch of registry changes for every event stream of a fleetd.
 *
 * Each `GET /events` stream used to open its own watch of the whole
 * registry (with previous values): N dashboards and `fleetctl events
 * --follow`s meant N copies of every change sent by etcd and decoded here.
 * The hub keeps one watch while anyone follows, hands each batch to every
 * subscriber, and remembers the last {@link ChangeHubOptions.keepChanges}
 * changes so that a stream resuming from a recent revision (a dropped
 * dashboard, `?from=`) is served from memory. A subscriber asking for
 * history older than that gets a watch of its own from its revision, as
 * before (a replay: it ends or catches up). When the shared watch cannot
 * continue (compacted while it lagged, canceled, the store reset), every
 * subscriber is told so (streams end, 410/503 in-band) and the next
 * subscriber starts a new one. The watch stops `lingerMs` after the last
 * subscriber left, so a page that reloads resumes from memory.
 *
 * Same contract as {@link ApiRegistry.watchChanges}: batches in revision
 * order, never a gap, each subscriber's callbacks one at a time.
 */
import { systemClock, type Clock, type TimerHandle } from '../clock.js';
import type { ApiRegistry, RegistryChange, RegistryWatchListener, ResyncReason, Subscription } from '../registry/index.js';

/** What the hub needs of the registry. */
export type ChangeSource = Pick<ApiRegistry, 'watchChanges'>;

/** Options of {@link ChangeHub}; all optional. */
export interface ChangeHubOptions {
  /** Changes kept for resuming streams; default 1,000 (a page that reconnects within seconds; fleetd's memory is budgeted). */
  readonly keepChanges?: number;
  /** How long the shared watch outlives its last subscriber, ms; default 30,000. */
  readonly lingerMs?: number;
  readonly clock?: Clock;
}

interface Subscriber {
  readonly from: bigint;
  readonly listener: RegistryWatchListener<RegistryChange>;
  /** Batches waiting to be delivered (a subscriber is fed from a microtask, never inside `watchChanges`). */
  queue: Array<readonly RegistryChange[]>;
  scheduled: boolean;
  closed: boolean;
}

/** Shares one registry watch among event streams; see the module comment. */
export class ChangeHub {
  private readonly keepChanges: number;
  private readonly lingerMs: number;
  private readonly clock: Clock;
  private sub: Subscription | undefined;
  private readonly subscribers = new Set<Subscriber>();
  /** Recent batches; together they hold every change from {@link coveredFrom} to {@link position}. */
  private recent: Array<readonly RegistryChange[]> = [];
  private recentCount = 0;
  private coveredFrom = 0n;
  /** Every change up to here was received (from - 1 before the first). */
  private position = 0n;
  private lingerTimer: TimerHandle | undefined;
  private ownWatches = 0;

  constructor(
    private readonly source: ChangeSource,
    options: ChangeHubOptions = {},
  ) {
    this.keepChanges = options.keepChanges ?? 1000;
    this.lingerMs = options.lingerMs ?? 30_000;
    this.clock = options.clock ?? systemClock;
  }

  /** Subscribers now, and those following with a watch of their own (for tests and metrics). */
  get load(): { shared: number; own: number; watching: boolean } {
    return { shared: this.subscribers.size, own: this.ownWatches, watching: this.sub !== undefined };
  }

  /**
   * Registry changes from revision `from` (inclusive), as
   * {@link ApiRegistry.watchChanges} delivers them.
   */
  watchChanges(from: bigint, listener: RegistryWatchListener<RegistryChange>): Subscription {
    if (this.sub !== undefined && from <= this.position && from < this.coveredFrom) return this.own(from, listener);
    const s: Subscriber = { from, listener, queue: [], scheduled: false, closed: false };
    if (this.sub === undefined) this.startAt(from);
    else if (from <= this.position) for (const batch of this.recent) if (batch[batch.length - 1]!.event.revision >= from) this.push(s, batch);
    this.subscribers.add(s);
    this.cancelLinger();
    return {
      close: async () => {
        s.closed = true;
        this.subscribers.delete(s);
        if (this.subscribers.size === 0) this.linger();
      },
    };
  }

  /** Stops the shared watch now (idempotent); subscribers get nothing more. */
  async close(): Promise<void> {
    this.cancelLinger();
    for (const s of this.subscribers) s.closed = true;
    this.subscribers.clear();
    await this.stop();
  }

  /** A subscriber that wants history the hub no longer keeps: its own watch, as before the hub. */
  private own(from: bigint, listener: RegistryWatchListener<RegistryChange>): Subscription {
    this.ownWatches++;
    const sub = this.source.watchChanges(from, listener);
    let open = true;
    return {
      close: async () => {
        if (open) this.ownWatches--;
        open = false;
        await sub.close();
      },
    };
  }

  private startAt(from: bigint): void {
    this.position = from - 1n;
    this.coveredFrom = from;
    this.recent = [];
    this.recentCount = 0;
    const sub = this.source.watchChanges(from, {
      onEvents: (changes) => {
        if (this.sub !== sub) return;
        this.remember(changes);
        const last = changes[changes.length - 1]!.event.revision;
        if (last > this.position) this.position = last;
        for (const s of this.subscribers) this.push(s, changes);
      },
      onResync: (reason) => {
        if (this.sub !== sub) return;
        this.fail(reason);
      },
      onConnection: (connected) => {
        if (this.sub !== sub) return;
        for (const s of this.subscribers) if (!s.closed) s.listener.onConnection?.(connected);
      },
    });
    this.sub = sub;
  }

  /** Keeps `changes` for resuming streams, dropping the oldest batches beyond the limit. */
  private remember(changes: readonly RegistryChange[]): void {
    this.recent.push(changes);
    this.recentCount += changes.length;
    while (this.recentCount > this.keepChanges && this.recent.length > 1) {
      const dropped = this.recent.shift()!;
      this.recentCount -= dropped.length;
      this.coveredFrom = dropped[dropped.length - 1]!.event.revision + 1n;
    }
  }

  /** Queues the part of `batch` at or after the subscriber's first revision, and delivers it from a microtask. */
  private push(s: Subscriber, batch: readonly RegistryChange[]): void {
    if (s.closed) return;
    const part = batch[0]!.event.revision >= s.from ? batch : batch.filter((c) => c.event.revision >= s.from);
    if (part.length === 0) return;
    s.queue.push(part);
    if (s.scheduled) return;
    s.scheduled = true;
    queueMicrotask(() => {
      s.scheduled = false;
      const batches = s.queue;
      s.queue = [];
      for (const b of batches) if (!s.closed) s.listener.onEvents(b);
    });
  }

  /** The shared watch ended with a gap: every subscriber is told after what it already has, and the next one starts afresh. */
  private fail(reason: ResyncReason): void {
    const subscribers = [...this.subscribers];
    this.subscribers.clear();
    void this.stop();
    for (const s of subscribers) {
      queueMicrotask(() => {
        if (s.closed) return;
        s.closed = true;
        s.listener.onResync(reason);
      });
    }
  }

  private linger(): void {
    this.cancelLinger();
    this.lingerTimer = this.clock.setTimeout(() => {
      this.lingerTimer = undefined;
      if (this.subscribers.size === 0) void this.stop();
    }, this.lingerMs);
  }

  private cancelLinger(): void {
    if (this.lingerTimer !== undefined) this.clock.clearTimeout(this.lingerTimer);
    this.lingerTimer = undefined;
  }

  private async stop(): Promise<void> {
    const sub = this.sub;
    this.sub = undefined;
    this.recent = [];
    this.recentCount = 0;
    await sub?.close();
  }
}

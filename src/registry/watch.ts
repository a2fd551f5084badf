import { systemClock, type Clock, type TimerHandle } from '../clock.js';
import { asRegistryError } from './lease.js';
import type { ResyncReason, Subscription } from './kv.js';
import type { RegistryError } from './errors.js';
import type { RegistryWatchListener } from './roles.js';
import { backoffDelay, DEFAULT_BACKOFF } from '../domain/index.js';

/** A list-then-watch source: one of the role methods pairs (`snapshot`/`watchCluster`, `listSchedule`/`watchSchedule`). */
export interface FollowSource<S extends { readonly revision: bigint }, E> {
  /** Reads the full state at some revision. */
  list(): Promise<S>;
  /** Watches changes from `fromRevision` (inclusive). */
  watch(fromRevision: bigint, listener: RegistryWatchListener<E>): Subscription;
}

/** What a follower receives. */
export interface FollowListener<S, E> {
  /** A complete state: first at start, then after every resync. Replace your cache with it. */
  onSnapshot(snapshot: S): void;
  /** Changes after the last snapshot, in revision order. */
  onEvents(events: readonly E[]): void;
  /** A resync is starting (the next `onSnapshot` replaces everything). */
  onResync?(reason: ResyncReason): void;
  /** Watch connection lost / back (the stream resumes without a gap by itself). */
  onConnection?(connected: boolean): void;
  /** A list attempt failed; it is retried with backoff (warning only). */
  onError?(error: RegistryError): void;
}

/** Options of {@link follow}. */
export interface FollowOptions {
  readonly clock?: Clock;
  /** Cap of the retry backoff after a failed list, ms; default 2000. */
  readonly retryMaxMs?: number;
}

/**
 * The house pattern for caches: list at revision R, watch from R+1, and when
 * the watch cannot continue without a gap (its start revision was
 * compacted, or etcd canceled it) list again and start over. A failed list
 * is retried with a capped backoff. Callbacks never overlap and stop once
 * `close()` resolves.
 */
export function follow<S extends { readonly revision: bigint }, E>(
  source: FollowSource<S, E>,
  listener: FollowListener<S, E>,
  options: FollowOptions = {},
): Subscription {
  const clock = options.clock ?? systemClock;
  const retryMaxMs = options.retryMaxMs ?? 2000;
  let closed = false;
  let sub: Subscription | undefined;
  let timer: TimerHandle | undefined;
  let attempt = 0;
  let generation = 0;

  const run = async (): Promise<void> => {
    const gen = ++generation;
    try {
      const snapshot = await source.list();
      if (closed || gen !== generation) return;
      attempt = 0;
      listener.onSnapshot(snapshot);
      let alive = true;
      const current: Subscription = source.watch(snapshot.revision + 1n, {
        onEvents: (events) => {
          if (!closed && alive) listener.onEvents(events);
        },
        onResync: (reason) => {
          if (closed || !alive) return;
          alive = false;
          if (sub === current) sub = undefined;
          void current.close();
          listener.onResync?.(reason);
          void run();
        },
        onConnection: (connected) => {
          if (!closed && alive) listener.onConnection?.(connected);
        },
      });
      if (alive) sub = current;
    } catch (err) {
      if (closed || gen !== generation) return;
      listener.onError?.(asRegistryError(err));
      timer = clock.setTimeout(() => void run(), backoffDelay(attempt++, { ...DEFAULT_BACKOFF, maxMs: retryMaxMs }));
    }
  };
  void run();

  return {
    close: async () => {
      closed = true;
      if (timer) clock.clearTimeout(timer);
      const s = sub;
      sub = undefined;
      await s?.close();
    },
  };
}

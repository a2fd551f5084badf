/**
 * Following the cluster's events: the one loop behind `GET /events` and
 * fleetctl's etcd driver. Opens a watch of registry changes (each with its
 * previous value) at a revision, derives events, filters them, and tells the
 * sink; says when the stream is idle (heartbeat) and why it ended.
 */
import type { Clock, TimerHandle } from '../clock.js';
import type { ApiRegistry, RegistryChange, ResyncReason, Subscription } from '../registry/index.js';
import { deriveBatch } from './derive.js';
import { matchesFilter, type EventFilter } from './filter.js';
import type { FleetEvent } from './types.js';

/** What following needs from the registry (the API's role has it). */
export type EventSource = Pick<ApiRegistry, 'watchChanges' | 'headRevision' | 'isCompacted'>;

/** Without `from` and without follow, this many revisions back are replayed. */
export const DEFAULT_REPLAY_REVISIONS = 1000n;

/** What a reader asks for. */
export interface EventStreamRequest {
  readonly filter: EventFilter;
  /** First revision (inclusive); undefined: the next change when following, the last {@link DEFAULT_REPLAY_REVISIONS} otherwise. */
  readonly from?: bigint;
  /** Keep going (true) or end once the history up to the current revision was sent. */
  readonly follow: boolean;
}

/** `from` names a revision etcd no longer has (HTTP 410). */
export class EventsCompactedError extends Error {
  readonly code = 'EVENTS_COMPACTED';
  constructor(readonly from: bigint) {
    super(`revision ${from} was compacted: etcd no longer has the events from it; list the cluster again and follow from the current revision`);
    this.name = 'EventsCompactedError';
  }
}

/** Receives a stream's output; calls never overlap. */
export interface EventSink {
  /** Events of one watch batch that passed the filter (never empty). */
  events(events: readonly FleetEvent[]): void;
  /** Nothing came for the heartbeat interval; every change up to `position` was seen (resume from `position + 1`). */
  idle(position: bigint): void;
}

/** Why a stream ended. */
export type StreamEnd =
  | { readonly kind: 'caught-up' }
  | { readonly kind: 'aborted' }
  /** The watch could not continue: history compacted while it lagged, etcd cancelled it, or the store was reset (etcd wiped or restored). `position`: seen up to here. */
  | { readonly kind: 'lost'; readonly reason: ResyncReason; readonly position: bigint; readonly message: string };

/** An opened stream: where it starts, and the loop. */
export interface OpenedEventStream {
  /** The first revision it delivers. */
  readonly from: bigint;
  /** Runs until the end (see {@link StreamEnd}); never rejects. */
  run(sink: EventSink, signal: AbortSignal): Promise<StreamEnd>;
}

/** Timing of a stream. */
export interface EventStreamTiming {
  readonly clock: Clock;
  /** Heartbeat interval while following, ms. */
  readonly heartbeatMs: number;
  /** Without follow: end after this long without a change once the history has come, ms. */
  readonly replayIdleMs: number;
}

/**
 * Resolves where the stream starts and checks that etcd still has it.
 * @throws {EventsCompactedError} when an explicit `from` was compacted (a
 *   default replay window that was is moved to the present instead);
 *   the registry's errors when etcd cannot be read.
 */
export async function openEventStream(source: EventSource, req: EventStreamRequest, timing: EventStreamTiming): Promise<OpenedEventStream> {
  const head = await source.headRevision();
  let from = req.from ?? (req.follow ? head + 1n : head - DEFAULT_REPLAY_REVISIONS + 1n);
  if (from < 1n) from = 1n;
  // Following from now (head + 1) cannot start in compacted history: no second round trip to ask.
  if (from <= head && (await source.isCompacted(from))) {
    if (req.from !== undefined) throw new EventsCompactedError(from);
    from = head + 1n;
  }
  return { from, run: (sink, signal) => runStream(source, req, timing, from, head, sink, signal) };
}

function runStream(source: EventSource, req: EventStreamRequest, timing: EventStreamTiming, from: bigint, head: bigint, sink: EventSink, signal: AbortSignal): Promise<StreamEnd> {
  const { clock } = timing;
  let position = from - 1n;
  let timer: TimerHandle | undefined;
  let sub: Subscription | undefined;
  return new Promise<StreamEnd>((resolve) => {
    let ended = false;
    const end = (why: StreamEnd): void => {
      if (ended) return;
      ended = true;
      if (timer !== undefined) clock.clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      void sub?.close();
      resolve(why);
    };
    const onAbort = (): void => end({ kind: 'aborted' });
    const arm = (): void => {
      if (timer !== undefined) clock.clearTimeout(timer);
      timer = clock.setTimeout(tick, req.follow ? timing.heartbeatMs : timing.replayIdleMs);
    };
    const tick = (): void => {
      timer = undefined;
      if (ended) return;
      // Without follow: caught up as far as the watch goes (writes outside the fleet prefix never arrive).
      if (!req.follow) return end({ kind: 'caught-up' });
      sink.idle(position);
      arm();
    };
    signal.addEventListener('abort', onAbort, { once: true });
    if (signal.aborted) return onAbort();
    if (!req.follow && from > head) return end({ kind: 'caught-up' });
    sub = source.watchChanges(from, {
      onEvents: (changes: readonly RegistryChange[]) => {
        if (ended) return;
        const events = deriveBatch(changes, clock.now()).filter((e) => matchesFilter(req.filter, e));
        if (events.length > 0) sink.events(events);
        const last = changes[changes.length - 1]!.event.revision;
        if (last > position) position = last;
        if (!req.follow && position >= head) return end({ kind: 'caught-up' });
        arm();
      },
      onResync: (reason) => {
        const message =
          reason === 'compacted'
            ? new EventsCompactedError(position + 1n).message
            : reason === 'reset'
              ? 'the registry was reset (etcd wiped or restored): its revisions start again; list the cluster again and follow from the current revision'
              : `the registry ended the watch; resume with from=${position + 1n}`;
        end({ kind: 'lost', reason, position, message });
      },
    });
    arm();
  });
}

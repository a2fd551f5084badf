/**
 * Gives V8's heap back once fleetd is quiet. fleetd allocates in bursts (a
 * 1,000-unit start: watch events, D-Bus replies, etcd transactions) and, with
 * many units, keeps promoting a little garbage while idle (~0.25 MiB/s with
 * 1,000 units); V8 keeps the heap committed until its next full collection,
 * which it starts only ~8 MiB above what is live, and its memory reducer
 * rarely shrinks it. So, on the first quiet tick after a burst (and, less
 * eagerly, while idle), when the committed heap has grown enough since the
 * last collection, fleetd runs one compacting full collection (a 30-130 ms
 * pause with 1,000 units) that leaves about the live heap committed. Never
 * during steady load: a busy process is never quiet.
 *
 * The decision is {@link planHeapSettle} (pure); {@link startHeapSettler}
 * samples the event loop and the heap on a clock and calls it.
 */
import { performance, type EventLoopUtilization } from 'node:perf_hooks';
import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import type { Clock, TimerHandle } from '../clock.js';

/** How much growth, how often: one pair after a burst, one while idle. */
export interface HeapSettleThresholds {
  /** The committed heap must have grown this much over its lowest point since the last collection. */
  readonly minGrowthBytes: number;
  /** At least this long since the last collection. */
  readonly minIntervalMs: number;
}

/** When a collection is worth it ({@link DEFAULT_HEAP_SETTLE_POLICY}). */
export interface HeapSettlePolicy {
  /** How often the event loop and the heap are sampled. */
  readonly tickMs: number;
  /** A tick whose event-loop utilization (0-1) reaches this is busy: a burst. */
  readonly busyUtilization: number;
  /** A tick below this is quiet. */
  readonly quietUtilization: number;
  /** On the first quiet tick after a burst. */
  readonly afterBurst: HeapSettleThresholds;
  /** On a quiet tick with no burst since the last collection (the slow growth of an idle fleetd). */
  readonly idle: HeapSettleThresholds;
}

/**
 * Half-second ticks, busy from 50 % (a scrape of /metrics is not a burst),
 * quiet below 5 %; after a burst 2 MiB of growth and 10 s since the last
 * collection, while idle 4 MiB and 60 s. A compacting collection is done in
 * one pause of the event loop, 30-130 ms with 1,000 units on a loaded 2-core
 * machine (V8's own are mostly incremental), so the idle ones are kept rare.
 */
export const DEFAULT_HEAP_SETTLE_POLICY: HeapSettlePolicy = Object.freeze({
  tickMs: 500,
  busyUtilization: 0.5,
  quietUtilization: 0.05,
  afterBurst: Object.freeze({ minGrowthBytes: 2 * 1024 * 1024, minIntervalMs: 10_000 }),
  idle: Object.freeze({ minGrowthBytes: 4 * 1024 * 1024, minIntervalMs: 60_000 }),
});

/** What one tick measured. */
export interface HeapSample {
  readonly atMs: number;
  /** Event-loop utilization over the tick, 0-1. */
  readonly utilization: number;
  /** V8's committed heap (`total_heap_size`). */
  readonly committedBytes: number;
}

/** What {@link planHeapSettle} remembers between ticks. */
export interface HeapSettleState {
  /** A busy tick was seen since the last collection. */
  readonly burst: boolean;
  /** The lowest committed heap since the last collection (Infinity right after one). */
  readonly lowestBytes: number;
  /** When the last collection ran (-Infinity before the first). */
  readonly lastCollectMs: number;
}

/** The state of a process that has not collected yet. */
export const INITIAL_HEAP_SETTLE_STATE: HeapSettleState = Object.freeze({ burst: false, lowestBytes: Infinity, lastCollectMs: -Infinity });

/**
 * Whether to run a compacting collection now: only on a quiet tick, when the
 * committed heap grew over its lowest point since the last collection and
 * enough time passed since it, by the `afterBurst` thresholds if a busy tick
 * came since, else by the `idle` ones. Returns the next state (reset when
 * `collect` is true).
 */
export function planHeapSettle(state: HeapSettleState, sample: HeapSample, policy: HeapSettlePolicy = DEFAULT_HEAP_SETTLE_POLICY): { state: HeapSettleState; collect: boolean } {
  const burst = state.burst || sample.utilization >= policy.busyUtilization;
  const lowestBytes = Math.min(state.lowestBytes, sample.committedBytes);
  const thresholds = burst ? policy.afterBurst : policy.idle;
  const collect =
    sample.utilization < policy.quietUtilization &&
    sample.committedBytes - lowestBytes >= thresholds.minGrowthBytes &&
    sample.atMs - state.lastCollectMs >= thresholds.minIntervalMs;
  if (collect) return { state: { burst: false, lowestBytes: Infinity, lastCollectMs: sample.atMs }, collect };
  return { state: { burst, lowestBytes, lastCollectMs: state.lastCollectMs }, collect };
}

/** What the settler needs from the process; the defaults read Node's. */
export interface HeapSettlerOptions {
  /** Runs the collection ({@link compactingGc}). */
  readonly gc: () => void;
  readonly clock: Clock;
  readonly policy?: HeapSettlePolicy;
  /** Event-loop utilization since the previous call (0-1); default from `perf_hooks`. */
  readonly utilization?: () => number;
  /** V8's committed heap in bytes; default `v8.getHeapStatistics().total_heap_size`. */
  readonly committedBytes?: () => number;
  /** Told after each collection: committed heap before and after, and how long it took. */
  readonly onCollect?: (info: { beforeBytes: number; afterBytes: number; ms: number }) => void;
}

/** A running settler. */
export interface HeapSettler {
  stop(): void;
}

/** Samples every `policy.tickMs` on `clock` and collects when {@link planHeapSettle} says so. */
export function startHeapSettler(options: HeapSettlerOptions): HeapSettler {
  const { gc, clock } = options;
  const policy = options.policy ?? DEFAULT_HEAP_SETTLE_POLICY;
  const utilization = options.utilization ?? eventLoopUtilization();
  const committedBytes = options.committedBytes ?? (() => getHeapStatistics().total_heap_size);
  let state = INITIAL_HEAP_SETTLE_STATE;
  let timer: TimerHandle | undefined;
  const tick = (): void => {
    const sample: HeapSample = { atMs: clock.now(), utilization: utilization(), committedBytes: committedBytes() };
    const plan = planHeapSettle(state, sample, policy);
    state = plan.state;
    if (plan.collect) {
      const started = clock.now();
      gc();
      options.onCollect?.({ beforeBytes: sample.committedBytes, afterBytes: committedBytes(), ms: clock.now() - started });
      utilization(); // the collection's own time is not the next tick's load
    }
    timer = clock.setTimeout(tick, policy.tickMs);
  };
  timer = clock.setTimeout(tick, policy.tickMs);
  return {
    stop() {
      if (timer !== undefined) clock.clearTimeout(timer);
      timer = undefined;
    },
  };
}

/** Event-loop utilization since the previous call, from `perf_hooks`. */
function eventLoopUtilization(): () => number {
  let last: EventLoopUtilization = performance.eventLoopUtilization();
  return () => {
    const now = performance.eventLoopUtilization();
    const delta = performance.eventLoopUtilization(now, last);
    last = now;
    return delta.utilization;
  };
}

/**
 * A full collection that also compacts every fragmented page, so the
 * committed heap shrinks to about what is live: V8's `gc` (exposed by
 * `--expose-gc`, which the fleetd bin passes) run with
 * `--compact-on-every-full-gc` switched on for that one collection. A plain
 * `gc()` frees the dead objects but leaves most of the pages a burst
 * scattered them over committed (fleetd with 1,000 units: 24.6 -> 23.1 MiB;
 * compacting, about the live heap). Undefined when `gc` is not exposed.
 */
export function compactingGc(): (() => void) | undefined {
  const gc = (globalThis as { gc?: unknown }).gc;
  if (typeof gc !== 'function') return undefined;
  return () => {
    setFlagsFromString('--compact-on-every-full-gc');
    try {
      (gc as () => void)();
    } finally {
      setFlagsFromString('--no-compact-on-every-full-gc');
    }
  };
}

/**
 * Gives V8's heap back once fleetd is quiet. fleetd allocates in bursts (a
 * 1,000-unit start: watch events, D-Bus replies, etcd transactions) and, with
 * many units, keeps promoting a little garbage while idle (~0.25 MiB/s with
 * 1,000 units); V8 keeps the heap committed until its next full collection,
 * which it starts only ~8 MiB above what is live, and its memory reducer
 * rarely shrinks it. So, once a burst has ended (a second of quiet ticks;
 * and, less eagerly, while idle), when the committed heap has grown enough
 * since the last collection, fleetd runs full collections that move the
 * live objects off the pages the burst left mostly empty ({@link compactingGc})
 * and leave about the live heap committed. Never during steady load: a busy process is never quiet. A
 * burst is a busy tick, or enough event-loop time since the last collection
 * spread over ticks none of which was busy (a 1,000-unit start trickling on
 * a loaded machine, waiting for systemd, grows the heap as much).
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
  /** Quiet ticks in a row before a collection: the burst ended, not a pause within it. */
  readonly quietTicks: number;
  /** Event-loop time since the last collection that counts as a burst even with no busy tick. */
  readonly burstWorkMs: number;
  /** On the first quiet tick after a burst. */
  readonly afterBurst: HeapSettleThresholds;
  /** On a quiet tick with no burst since the last collection (the slow growth of an idle fleetd). */
  readonly idle: HeapSettleThresholds;
}

/**
 * Half-second ticks, busy from 50 % (a scrape of /metrics is not a burst),
 * quiet below 5 %, two quiet ticks in a row; a burst also after 5 s of
 * event-loop time since the last collection (a 1,000-unit start that took a
 * minute at 8 % of a core; an idle leader with 1,000 units spends 20-30 ms a
 * second, so only after 3-4 minutes). After a burst 2 MiB of growth and 5 s
 * since the last collection, while idle 4 MiB and 60 s. A compacting
 * collection is done in one pause of the event loop, 30-130 ms with 1,000
 * units on a loaded 2-core machine (V8's own are mostly incremental); it
 * never repeats without the heap growing 2 MiB again, so it cannot run in a
 * loop, and it waits for quiet, so it does not slow a burst.
 */
export const DEFAULT_HEAP_SETTLE_POLICY: HeapSettlePolicy = Object.freeze({
  tickMs: 500,
  busyUtilization: 0.5,
  quietUtilization: 0.05,
  quietTicks: 2,
  burstWorkMs: 5_000,
  afterBurst: Object.freeze({ minGrowthBytes: 2 * 1024 * 1024, minIntervalMs: 5_000 }),
  idle: Object.freeze({ minGrowthBytes: 4 * 1024 * 1024, minIntervalMs: 60_000 }),
});

/** What one tick measured. */
export interface HeapSample {
  readonly atMs: number;
  /** Event-loop utilization over the tick, 0-1. */
  readonly utilization: number;
  /** How long the tick was (ms): the previous sample to this one. */
  readonly tickMs: number;
  /** V8's committed heap (`total_heap_size`). */
  readonly committedBytes: number;
}

/** What {@link planHeapSettle} remembers between ticks. */
export interface HeapSettleState {
  /** A busy tick, or {@link HeapSettlePolicy.burstWorkMs} of work, since the last collection. */
  readonly burst: boolean;
  /** Event-loop time since the last collection (ms). */
  readonly workMs: number;
  /** Quiet ticks in a row up to this one. */
  readonly quietRun: number;
  /** The lowest committed heap since the last collection (Infinity right after one). */
  readonly lowestBytes: number;
  /** When the last collection ran (-Infinity before the first). */
  readonly lastCollectMs: number;
}

/** The state of a process that has not collected yet. */
export const INITIAL_HEAP_SETTLE_STATE: HeapSettleState = Object.freeze({ burst: false, workMs: 0, quietRun: 0, lowestBytes: Infinity, lastCollectMs: -Infinity });

/**
 * Whether to run a compacting collection now: only on the
 * {@link HeapSettlePolicy.quietTicks}th quiet tick in a row (or a later one),
 * when the committed heap grew over its lowest point since the last
 * collection and enough time passed since it, by the `afterBurst` thresholds
 * if a burst came since (a busy tick, or `burstWorkMs` of event-loop time),
 * else by the `idle` ones. Returns the next state (reset when `collect` is
 * true).
 */
export function planHeapSettle(state: HeapSettleState, sample: HeapSample, policy: HeapSettlePolicy = DEFAULT_HEAP_SETTLE_POLICY): { state: HeapSettleState; collect: boolean } {
  const workMs = state.workMs + sample.utilization * sample.tickMs;
  const burst = state.burst || sample.utilization >= policy.busyUtilization || workMs >= policy.burstWorkMs;
  const quietRun = sample.utilization < policy.quietUtilization ? state.quietRun + 1 : 0;
  const lowestBytes = Math.min(state.lowestBytes, sample.committedBytes);
  const thresholds = burst ? policy.afterBurst : policy.idle;
  const collect =
    quietRun >= policy.quietTicks &&
    sample.committedBytes - lowestBytes >= thresholds.minGrowthBytes &&
    sample.atMs - state.lastCollectMs >= thresholds.minIntervalMs;
  if (collect) return { state: { ...INITIAL_HEAP_SETTLE_STATE, lastCollectMs: sample.atMs }, collect };
  return { state: { burst, workMs, quietRun, lowestBytes, lastCollectMs: state.lastCollectMs }, collect };
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
  let lastTickMs = clock.now();
  const tick = (): void => {
    const atMs = clock.now();
    const sample: HeapSample = { atMs, utilization: utilization(), tickMs: atMs - lastTickMs, committedBytes: committedBytes() };
    lastTickMs = atMs;
    const plan = planHeapSettle(state, sample, policy);
    state = plan.state;
    if (plan.collect) {
      const started = clock.now();
      gc();
      options.onCollect?.({ beforeBytes: sample.committedBytes, afterBytes: committedBytes(), ms: clock.now() - started });
      utilization(); // the collection's own time is not the next tick's load
      lastTickMs = clock.now();
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
 * Collections per settling: at least two (a collection chooses the pages to
 * empty by what the previous one left on them, so the first after a burst
 * mostly finds the garbage and the second moves what survived off those
 * pages), at most four (each moves at most ~6 MiB).
 */
const SETTLE_ROUNDS = { min: 2, max: 4 } as const;

/**
 * Full collections that move the live objects off the pages a burst left
 * mostly empty, so the committed heap shrinks to about what is live, a few
 * MiB moved at a time: V8's `gc` (exposed by `--expose-gc`, which the fleetd
 * bin passes) run with `--optimize-for-size` switched on for those
 * collections only, which makes V8 evacuate every page at least 20 % free,
 * up to 6 MB of live objects per collection; {@link SETTLE_ROUNDS}, repeated
 * after the second while one still shrinks the committed heap by 1 MiB.
 * A plain `gc()` moves at most 4 MB from pages at least ~70 % free and
 * leaves most of the pages a burst scattered over committed (fleetd with
 * 1,000 units: 24.6 -> 23.1 MiB). `--compact-on-every-full-gc`, used before,
 * reaches the same heap in one collection but moves every live object, so
 * until it ends the process holds the heap twice: with 1,000 units ~20 MiB
 * more resident for the pause, which the sandbox's once-a-second reading
 * caught (93-94 MiB for ~75). Undefined when `gc` is not exposed.
 */
export function compactingGc(): (() => void) | undefined {
  const gc = (globalThis as { gc?: unknown }).gc;
  if (typeof gc !== 'function') return undefined;
  return () => {
    setFlagsFromString('--optimize-for-size');
    try {
      let committed = getHeapStatistics().total_heap_size;
      for (let round = 1; round <= SETTLE_ROUNDS.max; round++) {
        (gc as () => void)();
        const now = getHeapStatistics().total_heap_size;
        if (round >= SETTLE_ROUNDS.min && committed - now < 1024 * 1024) break;
        committed = now;
      }
    } finally {
      setFlagsFromString('--no-optimize-for-size');
    }
  };
}

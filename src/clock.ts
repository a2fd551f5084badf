/**
 * Time as fleet sees it. Leases, elections, retry loops and the systemd
 * driver take a `Clock` so tests can drive expiry with a {@link ManualClock}
 * instead of sleeping.
 */
export interface Clock {
  /** Milliseconds since an arbitrary epoch; only differences matter. */
  now(): number;
  /** Calls `fn` once after `ms` milliseconds; returns a handle for {@link Clock.clearTimeout}. */
  setTimeout(fn: () => void, ms: number): TimerHandle;
  /** Cancels a pending timer; unknown or already-fired handles are ignored. */
  clearTimeout(handle: TimerHandle): void;
}

/** Opaque timer handle returned by {@link Clock.setTimeout}. */
export type TimerHandle = object;

/** The real clock: `Date.now()` and Node timers (unref'd, so a forgotten timer never keeps a process alive). */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout(fn, ms) {
    const t = setTimeout(fn, Math.max(0, ms));
    t.unref();
    return t;
  },
  clearTimeout(handle) {
    clearTimeout(handle as NodeJS.Timeout);
  },
};

/**
 * The real clock on ref'd timers: a pending timer keeps the process alive.
 * For waits that are the only thing a process is doing (fleetctl polling,
 * fleetd's start-up retries, the fake driver's process exits in tests).
 */
export const keepAliveClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, Math.max(0, ms)),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/**
 * Resolves after `ms` on `clock`. If `signal` aborts first, the timer is
 * cleared and the promise rejects with `signal.reason` (at once when it is
 * already aborted).
 */
export function sleep(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = (): void => {
      clock.clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = clock.setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * A signal that aborts with `reason` once `ms` have passed on `clock` (a
 * deadline for work that checks `signal.aborted` before each step).
 * `dispose` clears the timer when the work ends first.
 */
export function deadlineSignal(clock: Clock, ms: number, reason: Error): { readonly signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const timer = clock.setTimeout(() => controller.abort(reason), ms);
  return { signal: controller.signal, dispose: () => clock.clearTimeout(timer) };
}

interface ManualTimer {
  readonly at: number;
  readonly seq: number;
  readonly fn: () => void;
}

/**
 * A clock that only moves when told to. Timers fire in due-time order (ties in
 * creation order) during {@link ManualClock.advance}, with `now()` set to each
 * timer's due time while it runs, so code observes a consistent timeline.
 */
export class ManualClock implements Clock {
  private current: number;
  private seq = 0;
  private readonly timers = new Set<ManualTimer>();

  /** Starts at `start` milliseconds (default 0). */
  constructor(start = 0) {
    this.current = start;
  }

  /** Current manual time in milliseconds. */
  now(): number {
    return this.current;
  }

  /** Registers `fn` to run when the clock reaches now + `ms`. */
  setTimeout(fn: () => void, ms: number): TimerHandle {
    const timer: ManualTimer = { at: this.current + Math.max(0, ms), seq: this.seq++, fn };
    this.timers.add(timer);
    return timer;
  }

  /** Removes a pending timer. */
  clearTimeout(handle: TimerHandle): void {
    this.timers.delete(handle as ManualTimer);
  }

  /** Number of timers not yet fired (useful to assert nothing leaks). */
  pendingTimers(): number {
    return this.timers.size;
  }

  /**
   * Moves time forward by `ms`, running every timer that falls due (including
   * timers scheduled by those timers), then settles microtasks after each one
   * so promise continuations see the time at which they were triggered.
   */
  async advance(ms: number): Promise<void> {
    const target = this.current + ms;
    await settle(); // let already-running work register its timers first
    for (;;) {
      let next: ManualTimer | undefined;
      for (const t of this.timers) {
        if (t.at <= target && (!next || t.at < next.at || (t.at === next.at && t.seq < next.seq))) next = t;
      }
      if (!next) break;
      this.timers.delete(next);
      this.current = Math.max(this.current, next.at);
      next.fn();
      await settle();
    }
    this.current = target;
    await settle();
  }
}

/** Lets pending promise callbacks (and one macrotask turn) run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise<void>((r) => setImmediate(r));
}

/**
 * `new Date(ms).toISOString()` (`2026-01-01T00:00:00.000Z`), the same text,
 * but from the UTC fields alone: V8's `toISOString` first sets up its
 * local-time-zone cache, which pulls ~0.9 MiB of ICU's time zone data and
 * code into fleetd's resident memory for its whole life, though the result
 * is UTC. Years outside 0-9999 (signed six-digit years) go to `toISOString`.
 * @throws {RangeError} for a time that is not a valid date, as `toISOString`.
 */
export function isoTime(ms: number): string {
  const d = new Date(ms);
  const year = d.getUTCFullYear();
  if (!(year >= 0 && year <= 9999)) return d.toISOString(); // NaN too: its RangeError
  const millis = d.getUTCMilliseconds();
  return `${String(year).padStart(4, '0')}-${two(d.getUTCMonth() + 1)}-${two(d.getUTCDate())}T${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}.${millis < 10 ? '00' : millis < 100 ? '0' : ''}${millis}Z`;
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * `new Date(ms).toUTCString()` (`Thu, 03 Dec 2026 12:50:58 GMT`, the HTTP
 * `Date` header), the same text from the UTC fields, for the reason given at
 * {@link isoTime}. Years outside 0-9999 and invalid times go to `toUTCString`.
 */
export function httpDate(ms: number): string {
  const d = new Date(ms);
  const year = d.getUTCFullYear();
  if (!(year >= 0 && year <= 9999)) return d.toUTCString();
  return `${DAYS[d.getUTCDay()]}, ${two(d.getUTCDate())} ${MONTHS[d.getUTCMonth()]} ${String(year).padStart(4, '0')} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} GMT`;
}

function two(n: number): string {
  return n < 10 ? `0${n}` : `${n}`;
}

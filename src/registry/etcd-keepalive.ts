import { castGrpcError } from 'etcd3';
import { systemClock, type Clock, type TimerHandle } from '../clock.js';
import { translateEtcdError } from './etcd-errors.js';
import { RegistryClosedError, RegistryError, RegistryUnavailableError } from './errors.js';

/**
 * The part of etcd's `LeaseKeepAlive` bidi stream (as etcd3's
 * `leaseClient.leaseKeepAlive()` opens it) that {@link KeepAliveChannel}
 * uses; tests drive a fake. Lease ids and TTLs are int64 carried as decimal
 * strings.
 */
export interface KeepAliveStream {
  on(event: 'data', fn: (res: { readonly ID: string; readonly TTL: string }) => void): unknown;
  on(event: 'error', fn: (err: Error) => void): unknown;
  on(event: 'end', fn: () => void): unknown;
  write(req: { ID: string }): void;
  cancel(): void;
}

interface Waiter {
  /** Resolved, rejected or timed out. A timed-out waiter stays queued so the late answer to its request is not taken for a later one. */
  settled: boolean;
  timer: TimerHandle | undefined;
  resolve(ttl: number): void;
  reject(err: RegistryError): void;
}

/** One opened stream and the callers waiting on it, per lease id in request order. */
interface Session {
  readonly stream: KeepAliveStream;
  readonly waiting: Map<string, Waiter[]>;
  dead: boolean;
}

/**
 * Lease keepalives over ONE long-lived `LeaseKeepAlive` stream per client.
 * etcd has no unary keepalive; opening a stream per refresh cost a stream
 * setup (HTTP/2 stream, auth metadata, server goroutine) every TTL/3 per
 * lease, which at 1,000 agents was ~100 setups/s of etcd and agent CPU for
 * nothing. etcd answers each request on a stream with one response carrying
 * the lease `ID` and the new `TTL` (0: the lease is gone), in request
 * order, so a caller is matched by lease id, first come first served.
 *
 * Failure handling: a stream error or end rejects every caller waiting on
 * it with a retryable `RegistryUnavailableError` (nothing was learnt about
 * the leases) and the next call opens a new stream; each call still has its
 * own deadline (`timeoutMs`), as a unary call would. The channel never
 * retries by itself: `LeaseKeeper` owns the retry policy.
 */
export class KeepAliveChannel {
  private live: Session | undefined;
  private opening: Promise<Session> | undefined;
  private closed = false;
  private opened = 0;

  /** `open` starts a new stream (called lazily, again after each stream failure); nothing is opened before the first call. */
  constructor(
    private readonly open: () => Promise<KeepAliveStream>,
    private readonly timeoutMs: number,
    private readonly clock: Clock = systemClock,
  ) {}

  /**
   * Refreshes `leaseId`. Resolves with the TTL etcd granted, 0 when the lease
   * no longer exists. Rejects with `RegistryUnavailableError` (retryable) on
   * timeout or stream failure, `RegistryClosedError` after {@link close}.
   */
  keepAlive(leaseId: string): Promise<number> {
    if (this.closed) return Promise.reject(new RegistryClosedError());
    return new Promise<number>((resolve, reject) => {
      const w: Waiter = { settled: false, timer: undefined, resolve, reject };
      // The deadline covers opening the stream too: a dial that hangs must not hang the caller.
      w.timer = this.clock.setTimeout(() => {
        w.timer = undefined;
        settle(w, new RegistryUnavailableError('keepAlive (timeout)'));
      }, this.timeoutMs);
      this.session().then(
        (s) => {
          if (w.settled) return; // timed out while the stream opened: nothing was sent
          if (s.dead) {
            settle(w, new RegistryUnavailableError('keepAlive (stream ended)'));
            return;
          }
          let queue = s.waiting.get(leaseId);
          if (!queue) s.waiting.set(leaseId, (queue = []));
          queue.push(w);
          try {
            s.stream.write({ ID: leaseId });
          } catch (err) {
            this.fail(s, err);
          }
        },
        (err: unknown) => settle(w, this.toError(err)),
      );
    });
  }

  /** Rejects every waiting caller with `RegistryClosedError` and cancels the stream; later calls reject the same way. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    const live = this.live;
    this.live = undefined;
    if (live) this.fail(live, new RegistryClosedError());
    void this.opening?.then(
      (s) => this.fail(s, new RegistryClosedError()),
      () => undefined,
    );
  }

  /** Number of streams opened so far (for tests: many leases, one stream). */
  get streamsOpened(): number {
    return this.opened;
  }

  private session(): Promise<Session> {
    if (this.live && !this.live.dead) return Promise.resolve(this.live);
    if (this.opening) return this.opening;
    this.opened++;
    const p = this.open().then((stream) => {
      const s: Session = { stream, waiting: new Map(), dead: false };
      stream.on('data', (res) => this.answer(s, res.ID, Number(res.TTL)));
      stream.on('error', (err) => this.fail(s, err));
      stream.on('end', () => this.fail(s, new RegistryUnavailableError('keepAlive (stream ended)')));
      if (this.opening === p) this.opening = undefined;
      if (this.closed) {
        this.fail(s, new RegistryClosedError());
      } else {
        this.live = s;
      }
      return s;
    });
    this.opening = p;
    p.catch(() => {
      if (this.opening === p) this.opening = undefined;
    });
    return p;
  }

  private answer(s: Session, leaseId: string, ttl: number): void {
    const queue = s.waiting.get(leaseId);
    const w = queue?.shift();
    if (queue?.length === 0) s.waiting.delete(leaseId);
    if (!w || w.settled) return; // the answer to a request whose caller already timed out
    if (w.timer) this.clock.clearTimeout(w.timer);
    w.settled = true;
    w.resolve(ttl);
  }

  /** Ends the session: every caller on it is rejected; the next call opens a new stream. */
  private fail(s: Session, err: unknown): void {
    if (s.dead) return;
    s.dead = true;
    if (this.live === s) this.live = undefined;
    const e = this.toError(err);
    for (const queue of s.waiting.values()) {
      for (const w of queue) {
        if (w.timer) this.clock.clearTimeout(w.timer);
        settle(w, e);
      }
    }
    s.waiting.clear();
    try {
      s.stream.cancel();
    } catch {
      /* already torn down */
    }
  }

  /**
   * A stream failure says nothing about the leases, so it is always the
   * retryable "unavailable" (LeaseKeeper keeps trying), except when the
   * client was closed by its owner.
   */
  private toError(err: unknown): RegistryError {
    if (this.closed) return new RegistryClosedError();
    // Stream errors arrive as raw gRPC errors (unary calls get them cast by etcd3).
    const e = translateEtcdError(err instanceof Error && !(err instanceof RegistryError) ? castGrpcError(err) : err, 'keepAlive');
    return e.retryable || e.code === 'REGISTRY_CLOSED' ? e : new RegistryUnavailableError('keepAlive', { cause: err });
  }
}

function settle(w: Waiter, err: RegistryError): void {
  if (w.settled) return;
  w.settled = true;
  w.reject(err);
}

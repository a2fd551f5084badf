import { systemClock, type Clock, type TimerHandle } from '../clock.js';
import { TypedEmitter, type ListenerErrorHandler } from './emitter.js';
import { RegistryClosedError, RegistryError, RegistryInternalError } from './errors.js';
import type { KvBackend } from './kv.js';
import { backoffDelay, DEFAULT_BACKOFF } from '../domain/index.js';

/** Events of a {@link LeaseKeeper}. */
export interface LeaseEvents {
  /** A lease was granted: the first one, or (`regranted`) a replacement after `lost`. */
  granted(leaseId: string, regranted: boolean): void;
  /** etcd confirmed the lease; it is valid at least until `confirmedUntil` (clock ms). */
  keepalive(confirmedUntil: number): void;
  /** A grant or keepalive call failed (warning only: etcd may just be unreachable). The keeper keeps trying. */
  keepaliveFailed(error: RegistryError): void;
  /**
   * No keepalive confirmed the lease within its TTL (computed locally from the
   * last success, without waiting for etcd): the lease may have expired.
   * Leaders must stop acting now. Keepalives continue; if etcd later confirms
   * the same lease, `keepalive` fires again.
   */
  unconfirmed(leaseId: string): void;
  /** etcd reported the lease gone (expired or revoked); nothing bound to it exists any more. */
  lost(leaseId: string, reason: string): void;
}

/** Options of {@link LeaseKeeper}. */
export interface LeaseKeeperOptions {
  /** Lease TTL in seconds (etcd may round it up to its minimum). */
  readonly ttlSeconds: number;
  /** Default the system clock. */
  readonly clock?: Clock;
  /** Time between keepalives, ms; default a third of the TTL (as etcd's Go client). */
  readonly keepaliveIntervalMs?: number;
  /** Cap of the retry backoff after failures, ms; default 2000 (and never above the interval). */
  readonly retryMaxMs?: number;
  /** Grant a new lease automatically after `lost`; default true. */
  readonly regrant?: boolean;
  /** Told when one of this keeper's listeners throws; default a process warning. */
  readonly onListenerError?: ListenerErrorHandler;
}

/**
 * Keeps one etcd lease alive with unary keepalives on a timer, and turns
 * what happens into the events above. The distinction that matters:
 * `keepaliveFailed` is a warning (etcd unreachable says nothing about the
 * lease), `unconfirmed` is the local deadline passing (stop acting as the
 * lease's owner), `lost` is etcd saying the lease is gone (and, with
 * `regrant`, a new one follows with `granted(id, true)`).
 */
export class LeaseKeeper extends TypedEmitter<LeaseEvents> {
  private readonly clock: Clock;
  private readonly ttlMs: number;
  private readonly intervalMs: number;
  private readonly retryMaxMs: number;
  private readonly regrant: boolean;
  private id: string | undefined;
  private confirmed = -Infinity;
  private running = false;
  private attempt = 0;
  private tickTimer: TimerHandle | undefined;
  private deadlineTimer: TimerHandle | undefined;
  private startPromise: Promise<string> | undefined;

  /** Does nothing until {@link LeaseKeeper.start}. */
  constructor(private readonly kv: KvBackend, options: LeaseKeeperOptions) {
    super(options.onListenerError);
    if (!(options.ttlSeconds >= 1)) throw new RangeError(`lease TTL must be at least 1 s, got ${options.ttlSeconds}`);
    this.clock = options.clock ?? systemClock;
    this.ttlMs = options.ttlSeconds * 1000;
    this.intervalMs = options.keepaliveIntervalMs ?? Math.max(100, Math.floor(this.ttlMs / 3));
    this.retryMaxMs = Math.min(options.retryMaxMs ?? 2000, this.intervalMs);
    this.regrant = options.regrant ?? true;
  }

  /** The current lease id; undefined before the first grant and between `lost` and the re-grant. */
  get leaseId(): string | undefined {
    return this.id;
  }

  /** Clock time until which the lease is known to be valid (-Infinity when never confirmed). */
  get confirmedUntil(): number {
    return this.confirmed;
  }

  /** Whether the lease is confirmed valid right now (by the local computation, not by asking etcd). */
  isConfirmed(): boolean {
    return this.id !== undefined && this.clock.now() < this.confirmed;
  }

  /**
   * Grants the lease (retrying while etcd is unavailable) and starts the
   * keepalive loop. Resolves with the first lease id; rejects with
   * `RegistryClosedError` if stopped before a grant, or with a non-retryable
   * error. Calling it again returns the same promise.
   */
  start(): Promise<string> {
    if (!this.startPromise) {
      this.running = true;
      this.startPromise = new Promise<string>((resolve, reject) => {
        const offGranted = this.once('granted', (id) => {
          offFailed();
          resolve(id);
        });
        const offFailed = this.on('keepaliveFailed', (err) => {
          if (!err.retryable) {
            offGranted();
            offFailed();
            reject(err);
          }
        });
        this.stopReject = (err) => {
          offGranted();
          offFailed();
          reject(err);
        };
        void this.grant(false);
      });
    }
    return this.startPromise;
  }

  private stopReject: ((err: Error) => void) | undefined;

  /**
   * Stops the loop. With `revoke`, also revokes the lease so its keys vanish
   * now (best effort: an unreachable etcd lets it expire after the TTL).
   */
  async stop(options: { revoke?: boolean } = {}): Promise<void> {
    this.running = false;
    this.clearTimers();
    this.stopReject?.(new RegistryClosedError());
    const id = this.id;
    this.id = undefined;
    this.confirmed = -Infinity;
    if (options.revoke && id !== undefined) {
      try {
        await this.kv.revokeLease(id);
      } catch {
        /* best effort: the lease expires on its own */
      }
    }
  }

  private async grant(regranted: boolean): Promise<void> {
    if (!this.running) return;
    const sentAt = this.clock.now();
    try {
      const g = await this.kv.grantLease(this.ttlMs / 1000);
      if (!this.running) {
        await this.kv.revokeLease(g.id).catch(() => undefined);
        return;
      }
      this.id = g.id;
      this.attempt = 0;
      this.confirm(sentAt, g.ttlSeconds);
      this.stopReject = undefined;
      this.emit('granted', g.id, regranted);
      this.schedule(this.intervalMs, () => void this.tick());
    } catch (err) {
      if (!this.running) return;
      const e = asRegistryError(err);
      this.emit('keepaliveFailed', e);
      if (!e.retryable) {
        this.running = false;
        return;
      }
      this.schedule(this.backoff(), () => void this.grant(regranted));
    }
  }

  private async tick(): Promise<void> {
    const id = this.id;
    if (!this.running || id === undefined) return;
    const sentAt = this.clock.now();
    try {
      const ttl = await this.kv.keepAlive(id);
      if (!this.running || this.id !== id) return;
      if (ttl <= 0) {
        this.onLost(id, 'etcd reports the lease expired or revoked');
        return;
      }
      this.attempt = 0;
      this.confirm(sentAt, ttl);
      this.emit('keepalive', this.confirmed);
      this.schedule(this.intervalMs, () => void this.tick());
    } catch (err) {
      if (!this.running || this.id !== id) return;
      const e = asRegistryError(err);
      if (e.code === 'LEASE_LOST') {
        this.onLost(id, e.message);
        return;
      }
      this.emit('keepaliveFailed', e);
      if (e.code === 'REGISTRY_CLOSED') {
        this.running = false;
        return;
      }
      this.schedule(this.backoff(), () => void this.tick());
    }
  }

  private onLost(id: string, reason: string): void {
    this.id = undefined;
    this.confirmed = -Infinity;
    this.clearTimers();
    this.emit('lost', id, reason);
    if (this.regrant && this.running) void this.grant(true);
    else this.running = false;
  }

  /** The lease is valid until (request sent + granted TTL): etcd started its countdown no earlier than that. */
  private confirm(sentAt: number, ttlSeconds: number): void {
    this.confirmed = Math.max(this.confirmed, sentAt + ttlSeconds * 1000);
    if (this.deadlineTimer) this.clock.clearTimeout(this.deadlineTimer);
    const id = this.id!;
    this.deadlineTimer = this.clock.setTimeout(() => {
      this.deadlineTimer = undefined;
      if (this.running && this.id === id && this.clock.now() >= this.confirmed) this.emit('unconfirmed', id);
    }, this.confirmed - this.clock.now());
  }

  private schedule(ms: number, fn: () => void): void {
    if (this.tickTimer) this.clock.clearTimeout(this.tickTimer);
    this.tickTimer = this.clock.setTimeout(() => {
      this.tickTimer = undefined;
      fn();
    }, ms);
  }

  private backoff(): number {
    return backoffDelay(this.attempt++, { ...DEFAULT_BACKOFF, maxMs: this.retryMaxMs });
  }

  private clearTimers(): void {
    if (this.tickTimer) this.clock.clearTimeout(this.tickTimer);
    if (this.deadlineTimer) this.clock.clearTimeout(this.deadlineTimer);
    this.tickTimer = this.deadlineTimer = undefined;
  }
}

/** Registry errors pass through; anything else is a bug surfaced as an internal error. */
export function asRegistryError(err: unknown): RegistryError {
  return err instanceof RegistryError ? err : new RegistryInternalError(String((err as Error)?.message ?? err), { cause: err });
}

import { systemClock, type Clock, type TimerHandle } from '../clock.js';
import { TypedEmitter, type ListenerErrorHandler } from './emitter.js';
import type { KeyLayout } from './keys.js';
import type { KvBackend, Subscription } from './kv.js';
import { asRegistryError, LeaseKeeper } from './lease.js';
import type { ElectionEvents, LeaderElection, LeaderFence } from './roles.js';
import { backoffDelay, DEFAULT_BACKOFF } from '../domain/index.js';

/** Options of {@link KvElection}. */
export interface ElectionOptions {
  /** This candidate's machine id (the value written to the election key). */
  readonly machineId: string;
  /** Leader lease TTL, seconds; default 10 (fleet: 5 × the 2 s reconcile interval). */
  readonly ttlSeconds?: number;
  /** Default the system clock. */
  readonly clock?: Clock;
  /** Cap of the retry backoff after failed attempts, ms; default 2000. */
  readonly retryMaxMs?: number;
  /**
   * How long a candidate that just stopped leading waits before it campaigns
   * again, ms; default half the TTL, at most 1000. The other candidates learn
   * of the deletion from their watches, which etcd may deliver up to ~100 ms
   * late (a watch that starts behind the head is caught up in batches); without
   * the wait the deposed leader, which sees its own deletion first, would
   * usually win the key back and a revoked or expired leader would never fail over.
   */
  readonly stepDownHoldoffMs?: number;
  /** Told when one of this election's listeners throws; default a process warning. */
  readonly onListenerError?: ListenerErrorHandler;
}

/**
 * Engine-leader election on one key (`engine/leader`), written with
 * create-if-absent on the candidate's own lease. Unlike etcd3's `Election`:
 * - a leader steps down as soon as its lease is not confirmed within the TTL
 *   by its own keepalives (`LeaseKeeper.unconfirmed`), without waiting for
 *   etcd to say anything, and `isLeader`/`fence()` re-check that deadline on
 *   every read;
 * - every engine write is fenced on the key's create revision and value
 *   (`fenced.ts`), so a leader that missed its own demotion still cannot write;
 * - losers watch the key and retry the moment it is deleted, while a
 *   candidate that just stopped leading waits `stepDownHoldoffMs` first, so
 *   a revoked or expired leader hands over instead of winning its key back.
 * A stale key holding our own id on another lease (a previous run of this
 * machine) is deleted so a restarted fleetd leads again immediately, as fleet
 * re-adopts its own lease.
 */
export class KvElection extends TypedEmitter<ElectionEvents> implements LeaderElection {
  private readonly clock: Clock;
  private readonly ttlSeconds: number;
  private readonly retryMaxMs: number;
  private readonly holdoffMs: number;
  /** Clock time before which no campaign attempt starts (set when this candidate stops leading). */
  private holdUntil = -Infinity;
  private holdTimer: TimerHandle | undefined;
  private keeper: LeaseKeeper | undefined;
  private leading: LeaderFence | undefined;
  private leader: string | undefined;
  private lastOtherLeader: string | undefined;
  private watch: Subscription | undefined;
  private running = false;
  private looping = false;
  private pending = false;
  private attempt = 0;
  private retryTimer: TimerHandle | undefined;
  private firstAttempt: Promise<void> | undefined;
  private resolveFirst: (() => void) | undefined;

  /** Does nothing until {@link KvElection.start}. */
  constructor(
    private readonly kv: KvBackend,
    private readonly layout: KeyLayout,
    private readonly options: ElectionOptions,
  ) {
    super(options.onListenerError);
    layout.machine(options.machineId); // validates the id
    this.clock = options.clock ?? systemClock;
    this.ttlSeconds = options.ttlSeconds ?? 10;
    this.retryMaxMs = options.retryMaxMs ?? 2000;
    this.holdoffMs = options.stepDownHoldoffMs ?? Math.min(1000, (this.ttlSeconds * 1000) / 2);
  }

  get isLeader(): boolean {
    return this.leading !== undefined && this.keeper !== undefined && this.keeper.isConfirmed();
  }

  fence(): LeaderFence | undefined {
    return this.isLeader ? this.leading : undefined;
  }

  currentLeader(): string | undefined {
    return this.leader;
  }

  previousLeader(): string | undefined {
    return this.lastOtherLeader;
  }

  /** Records an observed leader; remembers the last one that was not us. */
  private observeLeader(id: string | undefined): void {
    this.leader = id;
    if (id !== undefined && id !== this.options.machineId) this.lastOtherLeader = id;
  }

  start(): Promise<void> {
    if (!this.firstAttempt) {
      this.running = true;
      this.firstAttempt = new Promise<void>((r) => (this.resolveFirst = r));
      this.kick();
    }
    return this.firstAttempt;
  }

  async resign(options: { stop?: boolean } = {}): Promise<void> {
    if (options.stop) this.running = false;
    const fence = this.leading;
    const keeper = this.keeper;
    this.keeper = undefined;
    if (fence) this.depose('resigned', false);
    if (this.retryTimer) this.clock.clearTimeout(this.retryTimer);
    if (!this.running && this.holdTimer) {
      this.clock.clearTimeout(this.holdTimer);
      this.holdTimer = undefined;
    }
    if (keeper) {
      // Revoking the lease deletes the key (if still ours) in the same step.
      await keeper.stop({ revoke: true });
    }
    if (this.running) this.kick();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.resolveFirst?.();
    await this.resign({ stop: true });
    await this.watch?.close();
    this.watch = undefined;
  }

  /** Requests a campaign attempt; attempts never overlap, and none starts during a step-down holdoff. */
  private kick(): void {
    this.pending = true;
    if (this.looping) return;
    this.looping = true;
    void (async () => {
      while (this.pending && this.running) {
        const wait = this.holdUntil - this.clock.now();
        if (wait > 0) {
          this.holdTimer ??= this.clock.setTimeout(() => {
            this.holdTimer = undefined;
            if (this.running) this.kick();
          }, wait);
          break;
        }
        this.pending = false;
        await this.attemptOnce();
      }
      this.looping = false;
    })();
  }

  private retryLater(): void {
    if (!this.running) return;
    if (this.retryTimer) this.clock.clearTimeout(this.retryTimer);
    this.retryTimer = this.clock.setTimeout(() => this.kick(), backoffDelay(this.attempt++, { ...DEFAULT_BACKOFF, maxMs: this.retryMaxMs }));
  }

  private ensureKeeper(): LeaseKeeper {
    if (this.keeper) return this.keeper;
    const keeper = new LeaseKeeper(this.kv, { ttlSeconds: this.ttlSeconds, clock: this.clock, regrant: false, onListenerError: this.options.onListenerError });
    keeper.on('keepaliveFailed', (err) => this.emit('warning', err));
    keeper.on('unconfirmed', () => {
      if (this.keeper !== keeper) return;
      this.dropKeeper(keeper);
      this.depose('leader lease not confirmed within its TTL', true);
    });
    keeper.on('lost', () => {
      if (this.keeper !== keeper) return;
      this.dropKeeper(keeper);
      this.depose('leader lease lost', true);
    });
    this.keeper = keeper;
    return keeper;
  }

  /** Abandons a lease we can no longer vouch for: revoke in the background (deletes our key if etcd is reachable). */
  private dropKeeper(keeper: LeaseKeeper): void {
    if (this.keeper === keeper) this.keeper = undefined;
    void keeper.stop({ revoke: true });
  }

  private depose(reason: string, campaignAgain: boolean): void {
    if (this.leading) {
      this.leading = undefined;
      this.holdUntil = this.clock.now() + this.holdoffMs;
      this.emit('deposed', reason);
    }
    if (campaignAgain && this.running) this.kick();
  }

  private async attemptOnce(): Promise<void> {
    const key = this.layout.leader();
    const me = this.options.machineId;
    let keeper: LeaseKeeper | undefined;
    try {
      keeper = this.ensureKeeper();
      const leaseId = await keeper.start();
      if (!this.running || this.keeper !== keeper) return;
      if (this.leading && keeper.isConfirmed()) return; // still leading; nothing to do
      const res = await this.kv.txn(
        [{ key, target: 'create', result: 'equal', value: 0n }],
        [{ type: 'put', key, value: me, lease: leaseId }],
        [{ type: 'get', key }],
      );
      this.attempt = 0;
      if (!this.running) return;
      if (res.succeeded) {
        this.observeLeader(me);
        if (this.keeper === keeper && keeper.isConfirmed()) {
          this.leading = { machineId: me, createRevision: res.revision };
          this.emit('elected', this.leading);
        }
      } else {
        const holder = res.gets[0];
        this.observeLeader(holder?.value);
        if (holder && holder.value === me && holder.lease === leaseId) {
          // Ours on our live lease (an earlier success we could not vouch for at the time).
          if (keeper.isConfirmed() && !this.leading) {
            this.leading = { machineId: me, createRevision: holder.createRevision };
            this.emit('elected', this.leading);
          }
        } else if (holder && holder.value === me) {
          // Our own key from an earlier lease (e.g. before a restart): clear it and retry at once.
          await this.kv.txn([{ key, target: 'create', result: 'equal', value: holder.createRevision }], [{ type: 'delete', key }]);
          this.pending = true;
          return;
        }
        if (!holder) this.pending = true; // deleted between compare and get
      }
      this.ensureWatch(res.revision + 1n);
    } catch (err) {
      const e = asRegistryError(err);
      if (e.code === 'LEASE_LOST' && this.keeper) this.dropKeeper(this.keeper);
      if (keeper !== undefined && this.keeper !== keeper) {
        // The lease we were using was dropped meanwhile (resign, unconfirmed): just go again.
        this.pending = true;
      } else if (e.code === 'REGISTRY_CLOSED') {
        this.running = false;
      } else {
        this.emit('warning', e);
        this.retryLater();
      }
    } finally {
      const r = this.resolveFirst;
      this.resolveFirst = undefined;
      r?.();
    }
  }

  /** Watches the election key so a deletion (leader gone) triggers an immediate attempt. */
  private ensureWatch(from: bigint): void {
    if (this.watch || !this.running) return;
    const key = this.layout.leader();
    const sub = this.kv.watch(key, from, {
      onEvents: (events) => {
        for (const ev of events) {
          if (ev.kv.key !== key) continue;
          if (ev.type === 'delete') {
            this.observeLeader(undefined);
            this.depose('leader key deleted', true);
            this.kick();
          } else {
            this.observeLeader(ev.kv.value);
            const mine = this.leading;
            if (mine && ev.kv.createRevision !== mine.createRevision) this.depose('leader key replaced', true);
          }
        }
      },
      onResync: () => {
        if (this.watch === sub) this.watch = undefined;
        void sub.close();
        this.kick(); // re-evaluate from a fresh read; the attempt re-creates the watch
      },
    });
    this.watch = sub;
  }
}

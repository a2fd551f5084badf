import { systemClock, type Clock, type TimerHandle } from '../clock.js';
import { LeaseLostError, RegistryClosedError, RegistryInternalError, RegistryUnavailableError } from './errors.js';
import type { Compare, KeyValue, KvBackend, KvEvent, KvWatchListener, KvWatchOptions, LeaseGrant, Subscription, TxnOp, TxnResult } from './kv.js';

interface MemoryLease {
  readonly id: string;
  readonly ttlSeconds: number;
  expiresAt: number;
  timer: TimerHandle;
  readonly keys: Set<string>;
}

interface MemoryWatch {
  readonly prefix: string;
  readonly listener: KvWatchListener;
  /** Deliver previous values (`prev`) with events. */
  readonly prevKv: boolean;
  /** Next revision this watch has not delivered yet. */
  next: bigint;
  closed: boolean;
  scheduled: boolean;
}

/** Options of {@link MemoryKv}. */
export interface MemoryKvOptions {
  /** Drives lease expiry; default the system clock. Use a `ManualClock` in tests. */
  readonly clock?: Clock;
  /** Smallest TTL a lease gets, like etcd's minimum lease TTL; default 1 s. */
  readonly minLeaseTtlSeconds?: number;
}

/**
 * An in-process {@link KvBackend} that follows etcd v3 semantics closely
 * enough for the registry's contract suite: a global revision counter
 * starting at 1, create/mod revisions, multi-key transactions that commit
 * under one revision, an event history that watches replay from any retained
 * revision, compaction, and leases that expire on the injected clock
 * (deleting their keys in one revision). Fault injection
 * ({@link MemoryKv.setReachable}) makes every call fail as if etcd were down,
 * so lease and election code can be tested without a real outage.
 */
export class MemoryKv implements KvBackend {
  private readonly clock: Clock;
  private readonly minTtl: number;
  private readonly data = new Map<string, KeyValue>();
  private readonly history: { revision: bigint; events: KvEvent[] }[] = [];
  private readonly leases = new Map<string, MemoryLease>();
  private readonly watches = new Set<MemoryWatch>();
  private revision = 1n;
  private compacted = 0n;
  private nextLease = 0x694d0000n;
  private reachable = true;
  private closed = false;

  /** Creates an empty store at revision 1. */
  constructor(options: MemoryKvOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.minTtl = options.minLeaseTtlSeconds ?? 1;
  }

  /** Current store revision. */
  currentRevision(): bigint {
    return this.revision;
  }

  /**
   * Simulates an outage: while unreachable every call rejects with
   * `RegistryUnavailableError` and watches report `onConnection(false)`;
   * leases keep expiring on the clock, as on a real server. On recovery,
   * watches resume without a gap.
   */
  setReachable(reachable: boolean): void {
    if (this.reachable === reachable) return;
    this.reachable = reachable;
    for (const w of this.watches) this.deliver(w, () => w.listener.onConnection?.(reachable));
    if (reachable) for (const w of this.watches) this.pump(w);
  }

  private guard(operation: string): void {
    if (this.closed) throw new RegistryClosedError();
    if (!this.reachable) throw new RegistryUnavailableError(operation);
  }

  async get(key: string): Promise<{ kv: KeyValue | undefined; revision: bigint }> {
    this.guard('get');
    return { kv: this.data.get(key), revision: this.revision };
  }

  async list(prefix: string): Promise<{ kvs: KeyValue[]; revision: bigint }> {
    this.guard('list');
    const kvs = [...this.data.values()].filter((kv) => kv.key.startsWith(prefix)).sort((a, b) => cmpKey(a.key, b.key));
    return { kvs, revision: this.revision };
  }

  async listPrefixes(prefixes: readonly string[]): Promise<{ lists: KeyValue[][]; revision: bigint }> {
    this.guard('list');
    const all = [...this.data.values()].sort((a, b) => cmpKey(a.key, b.key));
    return { lists: prefixes.map((p) => all.filter((kv) => kv.key.startsWith(p))), revision: this.revision };
  }

  async txn(compares: readonly Compare[], success: readonly TxnOp[], failure: readonly TxnOp[] = []): Promise<TxnResult> {
    this.guard('txn');
    const succeeded = compares.every((c) => this.holds(c));
    const ops = succeeded ? success : failure;
    // Validate before mutating: a put on an unknown lease fails the whole txn, as in etcd.
    for (const op of ops) {
      if (op.type === 'put' && op.lease !== undefined && op.lease !== '0' && !this.leases.has(op.lease)) {
        throw new LeaseLostError(op.lease);
      }
    }
    const gets: (KeyValue | undefined)[] = [];
    const created: boolean[] = [];
    const events: KvEvent[] = [];
    const rev = this.revision + 1n;
    for (const op of ops) {
      switch (op.type) {
        case 'get':
          gets.push(this.data.get(op.key));
          break;
        case 'put':
          events.push(this.applyPut(op.key, op.value, op.lease ?? '0', rev));
          break;
        case 'putIfAbsent':
          created.push(!this.data.has(op.key));
          if (!this.data.has(op.key)) events.push(this.applyPut(op.key, op.value, '0', rev));
          break;
        case 'delete':
          if (this.data.has(op.key)) events.push(this.applyDelete(op.key, rev));
          break;
        case 'deletePrefix':
          for (const k of [...this.data.keys()].filter((k) => k.startsWith(op.prefix)).sort(cmpKey)) {
            events.push(this.applyDelete(k, rev));
          }
          break;
      }
    }
    if (events.length > 0) this.commit(rev, events);
    return { succeeded, revision: this.revision, gets, created };
  }

  watch(prefix: string, fromRevision: bigint, listener: KvWatchListener, options: KvWatchOptions = {}): Subscription {
    const w: MemoryWatch = { prefix, listener, prevKv: options.prevKv === true, next: fromRevision, closed: false, scheduled: false };
    if (this.closed) throw new RegistryClosedError();
    if (fromRevision < this.compacted) {
      const compactedAt = this.compacted;
      this.deliver(w, () => listener.onResync('compacted', `revision ${fromRevision} < compacted ${compactedAt}`));
      return { close: async () => void (w.closed = true) };
    }
    this.watches.add(w);
    this.pump(w);
    return {
      close: async () => {
        w.closed = true;
        this.watches.delete(w);
      },
    };
  }

  async grantLease(ttlSeconds: number): Promise<LeaseGrant> {
    this.guard('grantLease');
    const ttl = Math.max(this.minTtl, Math.ceil(ttlSeconds));
    const id = (this.nextLease++).toString();
    const lease: MemoryLease = { id, ttlSeconds: ttl, expiresAt: 0, timer: {}, keys: new Set() };
    this.leases.set(id, lease);
    this.arm(lease);
    return { id, ttlSeconds: ttl };
  }

  async keepAlive(leaseId: string): Promise<number> {
    this.guard('keepAlive');
    const lease = this.leases.get(leaseId);
    if (!lease) return 0;
    this.arm(lease);
    return lease.ttlSeconds;
  }

  async revokeLease(leaseId: string): Promise<void> {
    this.guard('revokeLease');
    this.expire(leaseId);
  }

  async hasCompacted(revision: bigint): Promise<boolean> {
    this.guard('hasCompacted');
    return revision < this.compacted;
  }

  async compact(revision: bigint): Promise<void> {
    this.guard('compact');
    if (revision > this.revision) throw new RegistryInternalError(`cannot compact future revision ${revision}`);
    if (revision <= this.compacted) return;
    this.compacted = revision;
    while (this.history.length > 0 && this.history[0]!.revision < revision) this.history.shift();
    // Watches that still needed discarded history can no longer continue.
    for (const w of [...this.watches]) {
      if (w.next < revision) {
        this.watches.delete(w);
        this.deliver(w, () => w.listener.onResync('compacted', `revision ${w.next} < compacted ${revision}`));
      }
    }
  }

  /**
   * Test double of an etcd wiped and started empty: every key, lease and
   * the history are gone and the revision starts again at 1; every watch
   * ends with `onResync('reset')` (what the etcd watch reports when the
   * store's revision went backwards).
   */
  wipe(): void {
    for (const lease of this.leases.values()) this.clock.clearTimeout(lease.timer);
    this.leases.clear();
    this.data.clear();
    this.history.length = 0;
    this.revision = 1n;
    this.compacted = 0n;
    for (const w of [...this.watches]) {
      this.watches.delete(w);
      this.deliver(w, () => w.listener.onResync('reset', 'store wiped'));
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const lease of this.leases.values()) this.clock.clearTimeout(lease.timer);
    for (const w of this.watches) w.closed = true;
    this.watches.clear();
  }

  private holds(c: Compare): boolean {
    if (c.prefix) {
      // etcd: every key of the range must satisfy it; an empty range compares as one absent key.
      const kvs = [...this.data.values()].filter((kv) => kv.key.startsWith(c.key));
      return kvs.length === 0 ? this.holdsFor(c, undefined) : kvs.every((kv) => this.holdsFor(c, kv));
    }
    return this.holdsFor(c, this.data.get(c.key));
  }

  private holdsFor(c: Compare, kv: KeyValue | undefined): boolean {
    let actual: bigint | string;
    switch (c.target) {
      case 'create':
        actual = kv?.createRevision ?? 0n;
        break;
      case 'mod':
        actual = kv?.modRevision ?? 0n;
        break;
      case 'value':
        // etcd treats a value compare on an absent key as false whatever the result op.
        if (!kv) return false;
        actual = kv.value;
        break;
      case 'lease':
        actual = kv?.lease ?? '0';
        break;
    }
    const want = typeof actual === 'bigint' ? BigInt(c.value) : String(c.value);
    switch (c.result) {
      case 'equal':
        return actual === want;
      case 'notEqual':
        return actual !== want;
      case 'greater':
        return actual > want;
      case 'less':
        return actual < want;
    }
  }

  private applyPut(key: string, value: string, lease: string, rev: bigint): KvEvent {
    const old = this.data.get(key);
    if (old && old.lease !== '0') this.leases.get(old.lease)?.keys.delete(key);
    const kv: KeyValue = { key, value, createRevision: old?.createRevision ?? rev, modRevision: rev, lease };
    this.data.set(key, kv);
    if (lease !== '0') this.leases.get(lease)!.keys.add(key);
    return { type: 'put', kv, ...(old !== undefined ? { prev: old } : {}) };
  }

  private applyDelete(key: string, rev: bigint): KvEvent {
    const old = this.data.get(key)!;
    if (old.lease !== '0') this.leases.get(old.lease)?.keys.delete(key);
    this.data.delete(key);
    return { type: 'delete', kv: { key, value: '', createRevision: 0n, modRevision: rev, lease: '0' }, prev: old };
  }

  private commit(rev: bigint, events: KvEvent[]): void {
    this.revision = rev;
    this.history.push({ revision: rev, events });
    for (const w of this.watches) this.pump(w);
  }

  private arm(lease: MemoryLease): void {
    this.clock.clearTimeout(lease.timer);
    lease.expiresAt = this.clock.now() + lease.ttlSeconds * 1000;
    lease.timer = this.clock.setTimeout(() => this.expire(lease.id), lease.ttlSeconds * 1000);
  }

  private expire(leaseId: string): void {
    const lease = this.leases.get(leaseId);
    if (!lease) return;
    this.clock.clearTimeout(lease.timer);
    this.leases.delete(leaseId);
    if (this.closed) return;
    const rev = this.revision + 1n;
    const events = [...lease.keys].sort(cmpKey).map((k) => this.applyDelete(k, rev));
    if (events.length > 0) this.commit(rev, events);
  }

  /** Schedules delivery of everything from `w.next` on, asynchronously (like a network watch). */
  private pump(w: MemoryWatch): void {
    if (w.scheduled || w.closed) return;
    w.scheduled = true;
    queueMicrotask(() => {
      w.scheduled = false;
      if (w.closed || !this.reachable) return;
      const batch: KvEvent[] = [];
      for (const h of this.history) {
        if (h.revision < w.next) continue;
        for (const e of h.events) if (e.kv.key.startsWith(w.prefix)) batch.push(w.prevKv || e.prev === undefined ? e : { type: e.type, kv: e.kv });
      }
      if (w.next <= this.revision) w.next = this.revision + 1n;
      if (batch.length > 0) w.listener.onEvents(batch);
    });
  }

  private deliver(w: MemoryWatch, fn: () => void): void {
    queueMicrotask(() => {
      if (!w.closed) fn();
    });
  }
}

function cmpKey(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

import type { Compare, KeyValue, KvBackend, KvWatchListener, KvWatchOptions, LeaseGrant, Subscription, TxnOp, TxnResult } from '../../src/registry/kv.js';

/** What one {@link CountingKv} asked of the store. */
export interface KvCounts {
  /** Round trips of any kind (get, list, txn, lease calls); watches not included. */
  calls: number;
  /** Reads: `get` and `list` calls plus `get` ops inside transactions. */
  reads: number;
  /** Keys read back by those reads. */
  keysRead: number;
  /** Put/delete ops of the branch that ran, plus the `putIfAbsent` ops that created their key. */
  writeOps: number;
  /** Transactions carrying at least one write op. */
  writeTxns: number;
  /** Lease grants, keepalives and revokes. */
  leaseCalls: number;
  /** Watch events delivered to this client. */
  watchEvents: number;
}

/** A zeroed {@link KvCounts}. */
export function zeroCounts(): KvCounts {
  return { calls: 0, reads: 0, keysRead: 0, writeOps: 0, writeTxns: 0, leaseCalls: 0, watchEvents: 0 };
}

/**
 * A {@link KvBackend} that forwards everything to `inner` and counts it, so
 * a benchmark can attribute store traffic to one component (one agent, the
 * engine, the API) exactly, without reading etcd's global counters.
 */
export class CountingKv implements KvBackend {
  counts: KvCounts = zeroCounts();

  constructor(private readonly inner: KvBackend) {}

  /** Returns the counts so far and starts from zero. */
  take(): KvCounts {
    const c = this.counts;
    this.counts = zeroCounts();
    return c;
  }

  async get(key: string): Promise<{ kv: KeyValue | undefined; revision: bigint }> {
    this.counts.calls++;
    this.counts.reads++;
    const r = await this.inner.get(key);
    if (r.kv) this.counts.keysRead++;
    return r;
  }

  async list(prefix: string): Promise<{ kvs: KeyValue[]; revision: bigint }> {
    this.counts.calls++;
    this.counts.reads++;
    const r = await this.inner.list(prefix);
    this.counts.keysRead += r.kvs.length;
    return r;
  }

  async listPrefixes(prefixes: readonly string[]): Promise<{ lists: KeyValue[][]; revision: bigint }> {
    this.counts.calls++;
    this.counts.reads += prefixes.length;
    const r = this.inner.listPrefixes ? await this.inner.listPrefixes(prefixes) : await listEach(this.inner, prefixes);
    for (const l of r.lists) this.counts.keysRead += l.length;
    return r;
  }

  async txn(compares: readonly Compare[], success: readonly TxnOp[], failure?: readonly TxnOp[]): Promise<TxnResult> {
    this.counts.calls++;
    const r = await this.inner.txn(compares, success, failure);
    const ran = r.succeeded ? success : (failure ?? []);
    // A putIfAbsent (a unit body) counts only when it created the key.
    const writes = ran.filter((op) => op.type !== 'get' && op.type !== 'putIfAbsent').length + r.created.filter(Boolean).length;
    this.counts.writeOps += writes;
    if (writes > 0) this.counts.writeTxns++;
    const gets = ran.filter((op) => op.type === 'get').length;
    this.counts.reads += gets;
    this.counts.keysRead += r.gets.filter((kv) => kv !== undefined).length;
    return r;
  }

  watch(prefix: string, fromRevision: bigint, listener: KvWatchListener, options?: KvWatchOptions): Subscription {
    return this.inner.watch(prefix, fromRevision, {
      ...listener,
      onEvents: (events) => {
        this.counts.watchEvents += events.length;
        listener.onEvents(events);
      },
    }, options);
  }

  grantLease(ttlSeconds: number): Promise<LeaseGrant> {
    this.counts.calls++;
    this.counts.leaseCalls++;
    return this.inner.grantLease(ttlSeconds);
  }

  keepAlive(leaseId: string): Promise<number> {
    this.counts.calls++;
    this.counts.leaseCalls++;
    return this.inner.keepAlive(leaseId);
  }

  revokeLease(leaseId: string): Promise<void> {
    this.counts.calls++;
    this.counts.leaseCalls++;
    return this.inner.revokeLease(leaseId);
  }

  hasCompacted(revision: bigint): Promise<boolean> {
    return this.inner.hasCompacted === undefined ? Promise.resolve(false) : this.inner.hasCompacted(revision);
  }

  compact(revision: bigint): Promise<void> {
    return this.inner.compact(revision);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

/** Fallback for a backend without `listPrefixes` (not at one revision; the counts are what matter here). */
async function listEach(kv: KvBackend, prefixes: readonly string[]): Promise<{ lists: KeyValue[][]; revision: bigint }> {
  const results = await Promise.all(prefixes.map((p) => kv.list(p)));
  return { lists: results.map((r) => r.kvs), revision: results.reduce((max, r) => (r.revision > max ? r.revision : max), 0n) };
}

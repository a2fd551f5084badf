import { sleep, systemClock, type Clock } from '../clock.js';
import { scanPrefixes } from './scan.js';
import type { Compare, KeyValue, KvBackend, KvWatchListener, KvWatchOptions, LeaseGrant, Subscription, TxnOp, TxnResult } from './kv.js';

/**
 * A {@link KvBackend} that lets at most `limit` requests (reads, writes,
 * lease calls) be in flight on `inner` at once; the rest wait in arrival
 * order. Watches are not limited (they are long-lived streams). Used for the
 * API's etcd client, so a burst of API requests queues in fleetd instead of
 * flooding etcd with hundreds of concurrent ranges.
 *
 * `delayMs` (tests and benchmarks only; fleetd's
 * `FLEET_TEST_API_ETCD_DELAY_MS`) makes every request wait that long on
 * `clock` once it has its slot, before it goes to `inner`: an etcd slow to
 * answer (a starved host, a far member), so a test can watch the API
 * degrade.
 */
export class LimitedKv implements KvBackend {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(
    private readonly inner: KvBackend,
    private readonly limit: number,
    private readonly delayMs = 0,
    private readonly clock: Clock = systemClock,
  ) {
    if (!(limit >= 1)) throw new RangeError(`limit must be at least 1, got ${limit}`);
  }

  /** Requests in flight and waiting (for tests and metrics). */
  get load(): { active: number; waiting: number } {
    return { active: this.active, waiting: this.waiting.length };
  }

  private async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active++;
    try {
      if (this.delayMs > 0) await sleep(this.clock, this.delayMs);
      return await fn();
    } finally {
      // Hand the slot straight to the next waiter (active stays the same), or free it.
      const next = this.waiting.shift();
      if (next !== undefined) next();
      else this.active--;
    }
  }

  get(key: string): Promise<{ kv: KeyValue | undefined; revision: bigint }> {
    return this.run(() => this.inner.get(key));
  }

  list(prefix: string): Promise<{ kvs: KeyValue[]; revision: bigint }> {
    return this.run(() => this.inner.list(prefix));
  }

  listPrefixes(prefixes: readonly string[]): Promise<{ lists: KeyValue[][]; revision: bigint }> {
    const inner = this.inner;
    if (inner.listPrefixes) return this.run(() => inner.listPrefixes!(prefixes));
    return this.run(async () => {
      const results = await Promise.all(prefixes.map((p) => inner.list(p)));
      return { lists: results.map((r) => r.kvs), revision: results.reduce((max, r) => (r.revision > max ? r.revision : max), 0n) };
    });
  }

  scanPrefixes(prefixes: readonly string[], onPage: (prefixIndex: number, kvs: readonly KeyValue[]) => void): Promise<bigint> {
    return this.run(() => scanPrefixes(this.inner, prefixes, onPage));
  }

  txn(compares: readonly Compare[], success: readonly TxnOp[], failure?: readonly TxnOp[]): Promise<TxnResult> {
    return this.run(() => this.inner.txn(compares, success, failure));
  }

  watch(prefix: string, fromRevision: bigint, listener: KvWatchListener, options?: KvWatchOptions): Subscription {
    return this.inner.watch(prefix, fromRevision, listener, options);
  }

  grantLease(ttlSeconds: number): Promise<LeaseGrant> {
    return this.run(() => this.inner.grantLease(ttlSeconds));
  }

  keepAlive(leaseId: string): Promise<number> {
    return this.run(() => this.inner.keepAlive(leaseId));
  }

  revokeLease(leaseId: string): Promise<void> {
    return this.run(() => this.inner.revokeLease(leaseId));
  }

  hasCompacted(revision: bigint): Promise<boolean> {
    return this.inner.hasCompacted === undefined ? Promise.resolve(false) : this.run(() => this.inner.hasCompacted!(revision));
  }

  compact(revision: bigint): Promise<void> {
    return this.run(() => this.inner.compact(revision));
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

import type { Etcd3, ICompare, IKeyValue, IRangeRequest, IRequestOp, Watcher } from 'etcd3';
import { createEtcdClient, resolveEtcdClientOptions, type EtcdClientOptions } from './etcd-client.js';
import { translateEtcdError } from './etcd-errors.js';
import { KeepAliveChannel } from './etcd-keepalive.js';
import { DirectRanges, type RangePage, type RangesPage } from './etcd-range.js';
import { RegistryClosedError } from './errors.js';
import type { Compare, KeyValue, KvBackend, KvEvent, KvWatchListener, KvWatchOptions, LeaseGrant, Subscription, TxnOp, TxnResult } from './kv.js';
import { backoffDelay } from '../domain/index.js';

/** Keys per range answer of a list: far below gRPC's 4 MiB answer limit for fleet's records (~0.5 KiB for a unit). */
export const RANGE_PAGE_KEYS = 1000;

/**
 * {@link KvBackend} on a real etcd v3 through the `etcd3` package's raw RPC
 * clients (no namespace, no STM, no Election). Every rejection is translated
 * once by `translateEtcdError`.
 */
export class EtcdKv implements KvBackend {
  private readonly client: Etcd3;
  private readonly requestTimeoutMs: number;
  private readonly backoffMaxMs: number;
  private readonly backoffInitialMs: number;
  private readonly watches = new Set<EtcdWatch>();
  private readonly keepAlives: KeepAliveChannel;
  private readonly memberCount: number;
  /** Range reads decoded straight from etcd's answer (see etcd-range.ts); undefined: through etcd3's decoder. */
  private readonly direct: DirectRanges | undefined;
  private closed = false;

  /** Connects lazily (the first call dials). */
  constructor(options: EtcdClientOptions) {
    const o = resolveEtcdClientOptions(options);
    this.client = createEtcdClient(o);
    this.requestTimeoutMs = o.requestTimeoutMs;
    this.backoffMaxMs = o.watchBackoffMaxMs;
    this.backoffInitialMs = o.watchBackoffInitialMs;
    this.memberCount = o.endpoints.length;
    this.keepAlives = new KeepAliveChannel(() => this.client.leaseClient.leaseKeepAlive(), this.requestTimeoutMs);
    this.direct = DirectRanges.of(this.client);
  }

  /**
   * Runs one etcd call and translates its rejection. With several members, a
   * call that failed because the member it drew is down is tried again (the
   * per-member breaker sends it to another one): reads always, writes only
   * when the request provably never left (no connection to that member), so
   * a create-if-absent cannot report its own success as a conflict.
   */
  private async call<T>(operation: string, fn: () => Promise<T>, leaseId?: string, kind: 'read' | 'write' = 'write'): Promise<T> {
    if (this.closed) throw new RegistryClosedError();
    for (let attempt = 0; ; attempt++) {
      try {
        return await fn();
      } catch (err) {
        const translated = translateEtcdError(err, operation, leaseId);
        const again = attempt < this.memberCount - 1 && !this.closed && translated.retryable && (kind === 'read' || neverSent(err));
        if (!again) throw translated;
      }
    }
  }

  async get(key: string): Promise<{ kv: KeyValue | undefined; revision: bigint }> {
    const res = await this.call('get', () => this.client.kv.range({ key: Buffer.from(key) }), undefined, 'read');
    const kv = res.kvs[0];
    return { kv: kv ? toKv(kv) : undefined, revision: BigInt(res.header.revision) };
  }

  /**
   * Every key under `prefix`, read in pages of {@link RANGE_PAGE_KEYS} at the
   * first page's revision (one consistent picture): a single range answer
   * over gRPC's 4 MiB message limit fails (10,000 unit records do).
   */
  async list(prefix: string): Promise<{ kvs: KeyValue[]; revision: bigint }> {
    const first = await this.call('list', () => this.range({ key: Buffer.from(prefix), range_end: prefixEnd(prefix), limit: RANGE_PAGE_KEYS }), undefined, 'read');
    const kvs: KeyValue[] = [];
    await this.pages(prefix, first, (page) => {
      for (const kv of page) kvs.push(kv);
    });
    return { kvs, revision: first.revision };
  }

  /** Several prefixes at one revision: one transaction of paged ranges, then the rest of each at that revision (see {@link list}). */
  async listPrefixes(prefixes: readonly string[]): Promise<{ lists: KeyValue[][]; revision: bigint }> {
    const lists = prefixes.map((): KeyValue[] => []);
    const revision = await this.scanPrefixes(prefixes, (i, page) => {
      for (const kv of page) lists[i]!.push(kv);
    });
    return { lists, revision };
  }

  /**
   * As {@link listPrefixes}, page by page: one transaction of the first
   * pages, then each prefix's next page is requested before the current one
   * is handed to `onPage`, so the caller decodes while etcd reads.
   */
  async scanPrefixes(prefixes: readonly string[], onPage: (prefixIndex: number, kvs: readonly KeyValue[]) => void): Promise<bigint> {
    const first = await this.call('list', () => this.ranges(prefixes.map((p) => ({ key: Buffer.from(p), range_end: prefixEnd(p), limit: RANGE_PAGE_KEYS }))), undefined, 'read');
    await Promise.all(prefixes.map((p, i) => this.pages(p, { kvs: first.ranges[i]?.kvs ?? [], more: first.ranges[i]?.more ?? false, revision: first.revision }, (page) => onPage(i, page))));
    return first.revision;
  }

  /** Hands `first` (a page of `prefix`'s range) and the pages after it, read at its revision, to `onPage` in key order. */
  private async pages(prefix: string, first: RangePage, onPage: (kvs: readonly KeyValue[]) => void): Promise<void> {
    const revision = first.revision.toString();
    for (let page = first; ; ) {
      const last = page.kvs[page.kvs.length - 1];
      const next = page.more && last !== undefined
        ? this.call('list', () => this.range({ key: Buffer.concat([Buffer.from(last.key), Buffer.from([0])]), range_end: prefixEnd(prefix), limit: RANGE_PAGE_KEYS, revision }), undefined, 'read')
        : undefined;
      // Awaited below; if onPage throws first, its failure must not count as unhandled.
      next?.catch(() => undefined);
      onPage(page.kvs);
      if (next === undefined) return;
      page = await next;
    }
  }

  /** One range read, decoded by {@link DirectRanges} when available. */
  private async range(req: IRangeRequest): Promise<RangePage> {
    if (this.direct !== undefined) return this.direct.range(req);
    const res = await this.client.kv.range(req);
    return { kvs: res.kvs.map(toKv), more: res.more, revision: BigInt(res.header.revision) };
  }

  /** A read-only transaction of ranges, decoded by {@link DirectRanges} when available. */
  private async ranges(ranges: IRangeRequest[]): Promise<RangesPage> {
    const req = { compare: [], success: ranges.map((r) => ({ request_range: r })), failure: [] };
    if (this.direct !== undefined) return this.direct.ranges(req);
    const res = await this.client.kv.txn(req);
    const revision = BigInt(res.header.revision);
    return { ranges: res.responses.map((op) => ({ kvs: (op.response_range?.kvs ?? []).map(toKv), more: op.response_range?.more ?? false, revision })), revision };
  }

  async txn(compares: readonly Compare[], success: readonly TxnOp[], failure: readonly TxnOp[] = []): Promise<TxnResult> {
    const leaseId = leaseOf(success, failure);
    const res = await this.call(
      'txn',
      () => this.client.kv.txn({ compare: compares.map(toCompare), success: success.map(toOp), failure: failure.map(toOp) }),
      leaseId,
    );
    const ops = res.succeeded ? success : failure;
    const gets: (KeyValue | undefined)[] = [];
    const created: boolean[] = [];
    ops.forEach((op, i) => {
      if (op.type === 'putIfAbsent') created.push((res.responses[i] as { response_txn?: { succeeded?: boolean } } | undefined)?.response_txn?.succeeded === true);
      if (op.type !== 'get') return;
      const kv = res.responses[i]?.response_range?.kvs[0];
      gets.push(kv ? toKv(kv) : undefined);
    });
    return { succeeded: res.succeeded, revision: BigInt(res.header.revision), gets, created };
  }

  watch(prefix: string, fromRevision: bigint, listener: KvWatchListener, options: KvWatchOptions = {}): Subscription {
    if (this.closed) throw new RegistryClosedError();
    const w = new EtcdWatch(this, prefix, fromRevision, listener, this.backoffInitialMs, this.backoffMaxMs, options.prevKv === true);
    this.watches.add(w);
    w.start();
    return {
      close: async () => {
        this.watches.delete(w);
        await w.close();
      },
    };
  }

  async grantLease(ttlSeconds: number): Promise<LeaseGrant> {
    const res = await this.call('grantLease', () => this.client.leaseClient.leaseGrant({ TTL: ttlSeconds }));
    return { id: String(res.ID), ttlSeconds: Number(res.TTL) };
  }

  async keepAlive(leaseId: string): Promise<number> {
    // Multiplexed on one long-lived LeaseKeepAlive stream (see KeepAliveChannel).
    return this.call('keepAlive', () => this.keepAlives.keepAlive(leaseId), leaseId);
  }

  async revokeLease(leaseId: string): Promise<void> {
    try {
      await this.call('revokeLease', () => this.client.leaseClient.leaseRevoke({ ID: leaseId }), leaseId);
    } catch (err) {
      if ((err as { code?: string }).code !== 'LEASE_LOST') throw err;
    }
  }

  async hasCompacted(revision: bigint): Promise<boolean> {
    return this.isCompacted('/', revision);
  }

  async compact(revision: bigint): Promise<void> {
    await this.call('compact', () => this.client.kv.compact({ revision: revision.toString(), physical: true }));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.keepAlives.close();
    await Promise.all([...this.watches].map((w) => w.close()));
    this.watches.clear();
    this.client.close();
  }

  /** @internal The raw client, for {@link EtcdWatch}. */
  rawClient(): Etcd3 {
    return this.client;
  }

  /** @internal Whether `revision` is older than the compaction point (probed with a historical range). */
  async isCompacted(prefix: string, revision: bigint): Promise<boolean> {
    try {
      await this.client.kv.range({ key: Buffer.from(prefix), range_end: prefixEnd(prefix), revision: revision.toString(), limit: 1 });
      return false;
    } catch (err) {
      return /compacted/i.test((err as Error).message ?? '');
    }
  }
}

/**
 * One prefix watch that never skips an event. etcd3's Watcher resumes after
 * a disconnect from the header revision of the last response, which can be
 * past events it never delivered; so on `disconnected` we drop that watcher
 * and start a fresh one from (last delivered event revision + 1) ourselves,
 * with a capped exponential backoff. An unexpected cancel (compaction,
 * permission) or a store whose revision went backwards (`reset`) ends the
 * watch with `onResync`.
 */
class EtcdWatch {
  private watcher: Watcher | undefined;
  private next: bigint;
  private closed = false;
  private disconnected = false;
  private attempt = 0;
  private retryTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly kv: EtcdKv,
    private readonly prefix: string,
    from: bigint,
    private readonly listener: KvWatchListener,
    private readonly backoffInitialMs: number,
    private readonly backoffMaxMs: number,
    private readonly prevKv: boolean,
  ) {
    this.next = from;
  }

  start(): void {
    if (this.closed) return;
    const builder = this.kv.rawClient().watch().prefix(this.prefix).startRevision(this.next.toString());
    const w = (this.prevKv ? builder.withPreviousKV() : builder).watcher();
    this.watcher = w;
    w.on('connected', (res) => {
      if (w !== this.watcher || this.closed) return;
      // Back after a disconnect to a store whose revision is below what this
      // watch already saw: another store (etcd wiped, or restored from a
      // snapshot). Resuming by revision would wait for, or replay, unrelated
      // history; the owner re-lists. (Checked only on resumption: a first
      // watch may meet a member that lags its list by a few revisions.)
      const storeRevision = BigInt(res.header?.revision ?? '0');
      if (this.disconnected && storeRevision > 0n && storeRevision < this.next - 1n) {
        this.drop(w);
        this.closed = true;
        this.listener.onResync('reset', `store revision ${storeRevision} < ${this.next - 1n} already seen`);
        return;
      }
      this.attempt = 0;
      if (this.disconnected) {
        this.disconnected = false;
        this.listener.onConnection?.(true);
      }
    });
    w.on('data', (res) => {
      if (w !== this.watcher || this.closed) return;
      const events: KvEvent[] = res.events.map((ev) => ({
        type: ev.type === 'Delete' ? 'delete' : 'put',
        kv: toKv(ev.kv),
        ...(this.prevKv && ev.prev_kv ? { prev: toKv(ev.prev_kv) } : {}),
      }));
      if (events.length === 0) return;
      this.next = events[events.length - 1]!.kv.modRevision + 1n;
      this.listener.onEvents(events);
    });
    w.on('disconnected', () => {
      if (w !== this.watcher || this.closed) return;
      this.drop(w);
      if (!this.disconnected) {
        this.disconnected = true;
        this.listener.onConnection?.(false);
      }
      const delay = backoffDelay(this.attempt++, { initialMs: this.backoffInitialMs, maxMs: this.backoffMaxMs });
      this.retryTimer = setTimeout(() => this.start(), delay);
      this.retryTimer.unref();
    });
    w.on('error', (err) => {
      if (w !== this.watcher || this.closed) return;
      this.drop(w);
      this.closed = true;
      const from = this.next;
      void this.kv.isCompacted(this.prefix, from).then((compacted) => {
        this.listener.onResync(compacted ? 'compacted' : 'canceled', err.message);
      });
    });
  }

  private drop(w: Watcher): void {
    this.watcher = undefined;
    w.removeAllListeners('data');
    w.on('error', () => undefined);
    w.cancel().catch(() => undefined);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    const w = this.watcher;
    this.watcher = undefined;
    if (w) {
      w.on('error', () => undefined);
      w.removeAllListeners('data');
      // Cancel can wait for a reconnect that never comes; don't let close() hang on it.
      await Promise.race([w.cancel().catch(() => undefined), new Promise((r) => setTimeout(r, 1000).unref())]);
    }
  }
}

/** Whether a failed call never reached etcd: the member it drew could not even be connected to (or its breaker was open). */
function neverSent(err: unknown): boolean {
  const message = err instanceof Error ? err.message : String(err);
  return /No connection established|ECONNREFUSED|BrokenCircuit|circuit is open/i.test(message);
}

function leaseOf(a: readonly TxnOp[], b: readonly TxnOp[]): string | undefined {
  for (const op of [...a, ...b]) if (op.type === 'put' && op.lease && op.lease !== '0') return op.lease;
  return undefined;
}

function toKv(kv: IKeyValue): KeyValue {
  return {
    key: kv.key.toString('utf8'),
    value: kv.value ? kv.value.toString('utf8') : '',
    createRevision: BigInt(kv.create_revision ?? '0'),
    modRevision: BigInt(kv.mod_revision ?? '0'),
    lease: String(kv.lease ?? '0'),
  };
}

const TARGET = { create: 'Create', mod: 'Mod', value: 'Value', lease: 'Lease' } as const;
const RESULT = { equal: 'Equal', notEqual: 'NotEqual', greater: 'Greater', less: 'Less' } as const;

function toCompare(c: Compare): ICompare {
  const base: ICompare = { key: Buffer.from(c.key), target: TARGET[c.target], result: RESULT[c.result], ...(c.prefix ? { range_end: prefixEnd(c.key) } : {}) };
  switch (c.target) {
    case 'create':
      return { ...base, create_revision: BigInt(c.value).toString() };
    case 'mod':
      return { ...base, mod_revision: BigInt(c.value).toString() };
    case 'value':
      return { ...base, value: Buffer.from(String(c.value)) };
    case 'lease':
      return { ...base, lease: String(c.value) };
  }
}

function toOp(op: TxnOp): IRequestOp {
  switch (op.type) {
    case 'put':
      return { request_put: { key: Buffer.from(op.key), value: Buffer.from(op.value), lease: op.lease ?? '0' } };
    case 'putIfAbsent':
      // A nested transaction (etcd >= 3.3): the put runs only while the key does not exist.
      return {
        request_txn: {
          compare: [{ key: Buffer.from(op.key), target: 'Create', result: 'Equal', create_revision: '0' }],
          success: [{ request_put: { key: Buffer.from(op.key), value: Buffer.from(op.value) } }],
          failure: [],
        },
      } as IRequestOp;
    case 'delete':
      return { request_delete_range: { key: Buffer.from(op.key) } };
    case 'deletePrefix':
      return { request_delete_range: { key: Buffer.from(op.prefix), range_end: prefixEnd(op.prefix) } };
    case 'get':
      return { request_range: { key: Buffer.from(op.key) } };
  }
}

/** etcd's range_end for "every key starting with prefix": the prefix with its last byte incremented. */
export function prefixEnd(prefix: string): Buffer {
  const end = Buffer.from(prefix);
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i]! < 0xff) {
      end[i] = end[i]! + 1;
      return end.subarray(0, i + 1);
    }
  }
  return Buffer.from([0]);
}

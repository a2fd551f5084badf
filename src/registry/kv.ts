/**
 * The small storage contract the registry is written against: etcd v3's
 * key/value model (revisions, transactions, prefix watches, leases) and
 * nothing more. `EtcdKv` maps it onto a real etcd; `MemoryKv` implements it
 * in process (for tests and single-process runs). All role implementations
 * and the election sit on top of this, so both backends share one code path
 * above it and one contract test suite.
 *
 * Revisions are `bigint` everywhere (etcd's int64 arrives as a string).
 * Every method rejects only with `RegistryError`s.
 */

/** One stored key, as etcd reports it. */
export interface KeyValue {
  readonly key: string;
  readonly value: string;
  /** Revision of the put that created the key (0 for an absent key in compares). */
  readonly createRevision: bigint;
  /** Revision of the last put. */
  readonly modRevision: bigint;
  /** Lease the key is attached to; '0' for none. */
  readonly lease: string;
}

/** One condition of a transaction; absent keys have create/mod revision 0 and value ''. */
export interface Compare {
  /** The key, or with `prefix` the directory whose every key must satisfy the condition. */
  readonly key: string;
  /**
   * Compare every key starting with `key` (etcd: `range_end`); the
   * condition holds when it holds for each of them, and an empty directory
   * compares like one absent key. E.g. "nothing under units/ was written
   * since revision R": `{ key: 'units/', prefix: true, target: 'mod', result: 'less', value: R + 1n }`.
   */
  readonly prefix?: boolean;
  readonly target: 'create' | 'mod' | 'value' | 'lease';
  readonly result: 'equal' | 'notEqual' | 'greater' | 'less';
  /** A revision for create/mod, a string for value and lease. */
  readonly value: bigint | string;
}

/**
 * A write (or read) inside a transaction. `putIfAbsent` creates the key
 * unless it exists and never overwrites (etcd: a nested transaction), so an
 * immutable value can be written in the same transaction as what refers to it.
 */
export type TxnOp =
  | { readonly type: 'put'; readonly key: string; readonly value: string; readonly lease?: string }
  | { readonly type: 'putIfAbsent'; readonly key: string; readonly value: string }
  | { readonly type: 'delete'; readonly key: string }
  | { readonly type: 'deletePrefix'; readonly prefix: string }
  | { readonly type: 'get'; readonly key: string };

/** Outcome of {@link KvBackend.txn}. */
export interface TxnResult {
  /** Whether all compares held (the success branch ran). */
  readonly succeeded: boolean;
  /** Store revision after the transaction. */
  readonly revision: bigint;
  /** For each `get` op of the branch that ran, in order: the key, or undefined if absent. */
  readonly gets: readonly (KeyValue | undefined)[];
  /** For each `putIfAbsent` op of the branch that ran, in order: whether it created the key. */
  readonly created: readonly boolean[];
}

/** A change seen by a watch. */
export interface KvEvent {
  readonly type: 'put' | 'delete';
  /** For deletes, only `key` and `modRevision` (the deletion revision) are meaningful. */
  readonly kv: KeyValue;
  /** The key's value before this change (undefined: it did not exist); only on watches opened with `prevKv`. */
  readonly prev?: KeyValue;
}

/** Options of {@link KvBackend.watch}. */
export interface KvWatchOptions {
  /** Deliver each key's previous value with its event (etcd's `prev_kv`); more bytes per event. Default false. */
  readonly prevKv?: boolean;
}

/**
 * Why a watch ended with a gap: its start revision was `compacted`, the
 * server `canceled` it, or the store was `reset` (its revision is now below
 * what the watch had seen: etcd wiped or restored from a snapshot).
 */
export type ResyncReason = 'compacted' | 'canceled' | 'reset';

/** What a watch tells its owner. Callbacks are invoked one at a time, in revision order. */
export interface KvWatchListener {
  /** All events of one or more consecutive revisions. */
  onEvents(events: readonly KvEvent[]): void;
  /**
   * The watch cannot continue without a gap (start revision compacted, the
   * server canceled it, or the store was reset). The watch is dead; re-list
   * and watch again.
   */
  onResync(reason: ResyncReason, detail?: string): void;
  /** Connection trouble (`false`) and recovery (`true`); the watch resumes by itself without a gap. */
  onConnection?(connected: boolean): void;
}

/** A running watch or follow loop. */
export interface Subscription {
  /** Stops delivering; resolves once no further callback will run. Idempotent. */
  close(): Promise<void>;
}

/** A granted lease. */
export interface LeaseGrant {
  readonly id: string;
  /** TTL the server granted, in seconds. */
  readonly ttlSeconds: number;
}

/** The storage operations the registry needs (see the module comment). */
export interface KvBackend {
  /** One key at the current revision; `kv` undefined when absent. */
  get(key: string): Promise<{ kv: KeyValue | undefined; revision: bigint }>;
  /** All keys starting with `prefix`, sorted by key, at one revision. */
  list(prefix: string): Promise<{ kvs: KeyValue[]; revision: bigint }>;
  /**
   * Several prefixes at ONE revision (etcd: one read-only transaction of
   * ranges), each list sorted by key, in the order of `prefixes`. Lets a
   * reader skip a large directory lying between the ones it needs without
   * giving up a single-revision snapshot. Optional so that wrappers written
   * before it still satisfy the interface; without it, callers list a common
   * prefix and filter (same result, more bytes).
   */
  listPrefixes?(prefixes: readonly string[]): Promise<{ lists: KeyValue[][]; revision: bigint }>;
  /**
   * As {@link listPrefixes}, handing each prefix's keys to `onPage` as they
   * arrive (in key order per prefix; pages of different prefixes
   * interleave), so a reader can decode one page while the next is read and
   * keep only what it decoded. Resolves with the revision once every page
   * was handed over; rejects (after `onPage` threw, with that error).
   * Optional: see `scanPrefixes` in scan.ts for the fallback.
   */
  scanPrefixes?(prefixes: readonly string[], onPage: (prefixIndex: number, kvs: readonly KeyValue[]) => void): Promise<bigint>;
  /** Atomically: if every compare holds run `success`, else `failure`. */
  txn(compares: readonly Compare[], success: readonly TxnOp[], failure?: readonly TxnOp[]): Promise<TxnResult>;
  /** Watches keys starting with `prefix` from `fromRevision` (inclusive). */
  watch(prefix: string, fromRevision: bigint, listener: KvWatchListener, options?: KvWatchOptions): Subscription;
  /** Grants a lease of `ttlSeconds`. */
  grantLease(ttlSeconds: number): Promise<LeaseGrant>;
  /** Refreshes a lease; resolves with the remaining TTL in seconds, 0 when the lease no longer exists. */
  keepAlive(leaseId: string): Promise<number>;
  /** Revokes a lease, deleting its keys; an unknown lease is not an error. */
  revokeLease(leaseId: string): Promise<void>;
  /**
   * Whether history before `revision` was discarded (a watch from it would
   * need a resync). Optional: wrappers written before it may lack it.
   */
  hasCompacted?(revision: bigint): Promise<boolean>;
  /** Discards history before `revision` (watches from older revisions then need a resync). */
  compact(revision: bigint): Promise<void>;
  /** Releases connections and timers; further calls reject with `RegistryClosedError`. */
  close(): Promise<void>;
}

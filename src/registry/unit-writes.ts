/**
 * Many unit writes in few etcd transactions (bulk `fleetctl start`,
 * `destroy`, ... through `POST /fleet/v1/units`). Each write keeps the
 * meaning and the precondition of its one-unit method (`createUnit` only if
 * absent, `setDesiredState` / `destroyUnit` only if present); a chunk of
 * writes is one transaction whose compares are all the preconditions. When
 * any precondition fails (or the transaction is refused), that chunk's
 * writes run one by one, so every write still gets its own outcome.
 */
import type { Compare, TxnOp } from './kv.js';
import type { UnitWrite } from './roles.js';

/** What one write adds to a transaction; `undefined` for a write that needs a transaction of its own. */
export interface WriteTxn {
  readonly compares: readonly Compare[];
  readonly ops: readonly TxnOp[];
}

/** A chunk: the indexes (into the writes) it carries and its one transaction. */
export interface WriteChunk {
  readonly indexes: readonly number[];
  readonly compares: readonly Compare[];
  readonly ops: readonly TxnOp[];
}

/** The key an op touches (a prefix delete: its prefix, compared as a key, which is conservative). */
function opKey(op: TxnOp): string {
  return op.type === 'deletePrefix' ? op.prefix : op.key;
}

function cost(ops: readonly TxnOp[]): number {
  return ops.reduce((n, op) => n + (op.type === 'putIfAbsent' ? 2 : 1), 0);
}

/**
 * Groups `writes` into chunks in order. A chunk never names one key twice
 * (etcd refuses a transaction that writes a key twice; a body shared by
 * several units is put once per chunk), stays within `maxOps` operations
 * (a `putIfAbsent`, a nested transaction, counts 2),
 * and a write whose `txnOf` is undefined is a chunk of its own (run alone).
 * Pure.
 */
export function chunkWrites(writes: readonly UnitWrite[], txnOf: (w: UnitWrite) => WriteTxn | undefined, maxOps: number): Array<WriteChunk | { readonly alone: number }> {
  const out: Array<WriteChunk | { readonly alone: number }> = [];
  let indexes: number[] = [];
  let compares: Compare[] = [];
  let ops: TxnOp[] = [];
  let keys = new Set<string>();
  let used = 0;
  const flush = (): void => {
    if (indexes.length > 0) out.push({ indexes, compares, ops });
    indexes = [];
    compares = [];
    ops = [];
    keys = new Set();
    used = 0;
  };
  writes.forEach((w, i) => {
    const txn = txnOf(w);
    if (txn === undefined) {
      flush();
      out.push({ alone: i });
      return;
    }
    // A body another unit of this chunk already puts is left out, not repeated.
    const own = txn.ops.filter((op) => !(op.type === 'putIfAbsent' && keys.has(op.key)));
    const clash = own.some((op) => keys.has(opKey(op))) || txn.compares.some((c) => keys.has(c.key));
    if (clash || used + cost(own) > maxOps) flush();
    const mine = txn.ops.filter((op) => !(op.type === 'putIfAbsent' && keys.has(op.key)));
    indexes.push(i);
    compares.push(...txn.compares);
    ops.push(...mine);
    for (const op of mine) keys.add(opKey(op));
    for (const c of txn.compares) keys.add(c.key);
    used += cost(mine);
  });
  flush();
  return out;
}

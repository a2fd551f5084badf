import { NotLeaderError } from './errors.js';
import type { KeyLayout } from './keys.js';
import type { Compare, KvBackend, TxnOp } from './kv.js';
import type { LeaderFence } from './roles.js';

/** etcd's default `--max-txn-ops`: more operations in one transaction branch are refused. */
export const DEFAULT_MAX_TXN_OPS = 128;

/**
 * The compares every engine write carries: the election key still exists
 * with the create revision this leader created it at, and still holds this
 * leader's id. A deposed leader (its key expired and someone else created a
 * new one, even with the same id) can never satisfy both.
 */
export function fenceCompares(layout: KeyLayout, fence: LeaderFence): Compare[] {
  const key = layout.leader();
  return [
    { key, target: 'create', result: 'equal', value: fence.createRevision },
    { key, target: 'value', result: 'equal', value: fence.machineId },
  ];
}

/**
 * Runs `ops` in fenced transactions of at most `maxOps` operations each, in
 * order; `annotate` may add one op to each chunk's transaction (counted in
 * `maxOps`; it must not touch a key of the chunk). Later keys win over earlier ones for the same key (etcd refuses a
 * transaction that touches a key twice). Rejects with `NotLeaderError` at the
 * first chunk whose fence fails, recording how many ops were applied before
 * it; other failures are the backend's `RegistryError`s.
 */
export async function applyFenced(
  kv: KvBackend,
  layout: KeyLayout,
  fence: LeaderFence,
  ops: readonly TxnOp[],
  maxOps: number = DEFAULT_MAX_TXN_OPS,
  annotate?: (chunk: readonly TxnOp[]) => TxnOp | undefined,
): Promise<void> {
  if (!(maxOps >= (annotate === undefined ? 1 : 2))) throw new RangeError(`maxOps must be >= ${annotate === undefined ? 1 : 2}, got ${maxOps}`);
  const deduped = lastOpPerKey(ops);
  const compares = fenceCompares(layout, fence);
  // An annotation (one more op, e.g. the reasons of the chunk's changes) takes a place in each chunk.
  const size = annotate === undefined ? maxOps : maxOps - 1;
  let applied = 0;
  for (let i = 0; i < deduped.length; i += size) {
    const chunk = deduped.slice(i, i + size);
    const extra = annotate?.(chunk);
    const res = await kv.txn(compares, extra === undefined ? chunk : [...chunk, extra]);
    if (!res.succeeded) throw new NotLeaderError(fence.machineId, fence.createRevision, applied);
    applied += chunk.length;
  }
}

function opKey(op: TxnOp): string {
  return op.type === 'deletePrefix' ? `prefix:${op.prefix}` : `key:${op.key}`;
}

/** Keeps, in original order, only the last op for each key. */
export function lastOpPerKey(ops: readonly TxnOp[]): TxnOp[] {
  const last = new Map<string, number>();
  ops.forEach((op, i) => last.set(opKey(op), i));
  return ops.filter((op, i) => last.get(opKey(op)) === i);
}

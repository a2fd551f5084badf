/**
 * The life cycle of unit bodies (`bodies/<hash>`) beyond the write that
 * creates them: upgrading unit records written before bodies existed, and
 * deleting bodies nothing refers to any more. Both are compare-and-set
 * writes, so any number of fleetds may run them concurrently with the API.
 */
import { CorruptRecordError, NotLeaderError } from './errors.js';
import { agree } from './events.js';
import { fenceCompares } from './fenced.js';
import type { KeyLayout } from './keys.js';
import type { Compare, KvBackend, TxnOp } from './kv.js';
import { decodeStoredUnit, encodeUnit, UNIT_RECORD_VERSION } from './records.js';
import type { LeaderFence } from './roles.js';

/** Outcome of {@link upgradeUnitRecords}. */
export interface UnitUpgradeReport {
  /** Records rewritten in the current format, each with its body created if it had none. */
  readonly upgraded: number;
  /** Records that changed between the read and the write (left for the next run). */
  readonly raced: number;
}

/**
 * Rewrites every unit record of an older format (no `version`: text only
 * inline) in the current format and creates its body, one transaction per
 * batch; each record is written only if it is still the one read (compare
 * on its mod revision), so a concurrent replace or destroy always wins.
 */
export async function upgradeUnitRecords(
  kv: KvBackend,
  layout: KeyLayout,
  warn: (err: CorruptRecordError) => void,
  maxOps: number,
): Promise<UnitUpgradeReport> {
  const { kvs } = await kv.list(layout.units());
  const todo: { compare: Compare; put: TxnOp; body: TxnOp }[] = [];
  for (const item of kvs) {
    const parsed = layout.parse(item.key);
    if (parsed?.kind !== 'unit') continue;
    try {
      const stored = decodeStoredUnit(item.key, item.value);
      agree(item.key, stored.record, 'name', parsed.name);
      if (stored.version >= UNIT_RECORD_VERSION || stored.inlineText === undefined) continue;
      todo.push({
        compare: { key: item.key, target: 'mod', result: 'equal', value: item.modRevision },
        put: { type: 'put', key: item.key, value: encodeUnit({ ...stored.record, text: stored.inlineText }) },
        body: { type: 'putIfAbsent', key: layout.body(stored.record.hash), value: stored.inlineText },
      });
    } catch (err) {
      if (!(err instanceof CorruptRecordError)) throw err;
      warn(err);
    }
  }
  let upgraded = 0;
  let raced = 0;
  const write = async (batch: typeof todo): Promise<boolean> => {
    // One create per body key: etcd refuses a transaction that writes a key twice.
    const bodies = new Map(batch.map((t) => [(t.body as { key: string }).key, t.body]));
    const res = await kv.txn(batch.map((t) => t.compare), [...batch.map((t) => t.put), ...bodies.values()]);
    return res.succeeded;
  };
  const perTxn = Math.max(1, Math.floor(maxOps / 2));
  for (let i = 0; i < todo.length; i += perTxn) {
    const batch = todo.slice(i, i + perTxn);
    if (await write(batch)) {
      upgraded += batch.length;
      continue;
    }
    // Someone changed one of them: settle each record on its own.
    for (const t of batch) {
      if (await write([t])) upgraded++;
      else raced++;
    }
  }
  return { upgraded, raced };
}

/** A body as the collector saw it. */
export interface CollectableBody {
  readonly hash: string;
  /** Revision the body was written at (bodies are never rewritten). */
  readonly revision: bigint;
}

/**
 * How far the collector's view of references reaches: it has seen every
 * change of `units/` below `unitsBefore` and of `schedule/` below
 * `scheduleBefore`.
 */
export interface BodyReferenceView {
  readonly unitsBefore: bigint;
  readonly scheduleBefore: bigint;
  /** Every change of `rollouts/` below this revision was seen (a rollout refers to its old and new bodies); absent: not checked. */
  readonly rolloutsBefore?: bigint;
}

/**
 * Deletes `bodies`, judged unreferenced from a view of unit records and
 * schedule entries that is complete up to `view`, in fenced transactions
 * that also require nothing under `units/` or `schedule/` to have been
 * written since (a new reference always comes with such a write: the API
 * creates or names a body in the same transaction as the record) and each
 * body to be the one seen. Deletions never add references, so they cannot
 * make the judgement wrong.
 * @returns how many bodies were deleted, and whether all were (false: the
 *   view was outdated; retry when it has caught up).
 * @throws NotLeaderError when the fence no longer holds.
 */
export async function deleteBodies(
  kv: KvBackend,
  layout: KeyLayout,
  bodies: readonly CollectableBody[],
  view: BodyReferenceView,
  fence: LeaderFence,
  maxOps: number,
): Promise<{ deleted: number; complete: boolean }> {
  const guard: Compare[] = [
    ...fenceCompares(layout, fence),
    { key: layout.units(), prefix: true, target: 'mod', result: 'less', value: view.unitsBefore },
    { key: layout.scheduleAll(), prefix: true, target: 'mod', result: 'less', value: view.scheduleBefore },
    ...(view.rolloutsBefore !== undefined ? [{ key: layout.rolloutsAll(), prefix: true, target: 'mod', result: 'less', value: view.rolloutsBefore } as const] : []),
  ];
  const perTxn = Math.max(1, maxOps - guard.length);
  let deleted = 0;
  for (let i = 0; i < bodies.length; i += perTxn) {
    const chunk = bodies.slice(i, i + perTxn);
    const res = await kv.txn(
      [...guard, ...chunk.map((b): Compare => ({ key: layout.body(b.hash), target: 'mod', result: 'equal', value: b.revision }))],
      chunk.map((b): TxnOp => ({ type: 'delete', key: layout.body(b.hash) })),
      [{ type: 'get', key: layout.leader() }],
    );
    if (!res.succeeded) {
      const leader = res.gets[0];
      if (leader === undefined || leader.createRevision !== fence.createRevision || leader.value !== fence.machineId) {
        throw new NotLeaderError(fence.machineId, fence.createRevision, deleted);
      }
      return { deleted, complete: false };
    }
    deleted += chunk.length;
  }
  return { deleted, complete: true };
}

import { deleteBodies, upgradeUnitRecords, type BodyReferenceView, type CollectableBody, type UnitUpgradeReport } from './bodies.js';
import { decodeEventOrAbsent } from './events.js';
import { CorruptRecordError, NotLeaderError } from './errors.js';
import { applyFenced, fenceCompares } from './fenced.js';
import { encodeRollout } from './rollout-records.js';
import { inGroup } from '../rollout/group.js';
import type { RolloutRecord } from '../rollout/types.js';
import type { KeyLayout } from './keys.js';
import type { KeyValue, KvBackend, Subscription, TxnOp } from './kv.js';
import { watchPrefixes } from './multi-watch.js';
import { decodeUnplaced, encodeAnomaly, encodeDecisions, type AnomalyRecord, encodeSchedule, encodeUnit, encodeUnplaced, type DecisionNote, type MachineRecord, type ScheduleEntry, type UnitRecord, type UnitStateRecord, type UnitWithText, type UnplacedRecord } from './records.js';
import type { ClusterSnapshot, EngineRegistry, LeaderFence, RegistryWatchListener, ScheduleOp, StoredRollout, UnplacedOp } from './roles.js';
import type { DesiredState } from '../domain/index.js';

/** {@link EngineRegistry} over any {@link KvBackend}. */
export class KvEngineRegistry implements EngineRegistry {
  /** `warn` receives records that could not be decoded (they are treated as absent). */
  constructor(
    private readonly kv: KvBackend,
    private readonly layout: KeyLayout,
    private readonly warn: (err: CorruptRecordError) => void,
    private readonly maxOpsPerTxn: number,
  ) {}

  /**
   * The directories placement depends on. Not `state/`: it is the largest
   * directory and the busiest (agents rewrite a unit's state on every
   * change), and placement never reads it; at 1,000 machines receiving and
   * decoding it was most of the engine's watch cost. Not `engine/leader`
   * either: the election watches that key itself. `bodies/` is not for
   * placement but for the body collector, which only the leader runs.
   */
  private placementPrefixes(): string[] {
    const l = this.layout;
    return [l.units(), l.desiredAll(), l.machines(), l.machineMetadataAll(), l.scheduleAll(), l.policy(), l.bodiesAll(), l.rolloutsAll()];
  }

  async snapshot(): Promise<ClusterSnapshot> {
    const prefixes = this.placementPrefixes();
    const { kvs, revision } = await listAtOneRevision(this.kv, this.layout.prefix, prefixes);
    const units: UnitRecord[] = [];
    const desired = new Map<string, DesiredState>();
    const machines: MachineRecord[] = [];
    const machineMetadata = new Map<string, Map<string, string>>();
    const schedule: ScheduleEntry[] = [];
    let policy: string | undefined;
    const bodies = new Map<string, bigint>();
    const rollouts: StoredRollout[] = [];
    for (const kv of kvs) {
      const ev = decodeEventOrAbsent(this.layout, { type: 'put', kv }, this.warn);
      if (!ev) continue;
      switch (ev.kind) {
        case 'unit':
          if (ev.unit) units.push(ev.unit);
          break;
        case 'desired':
          if (ev.desired) desired.set(ev.name, ev.desired);
          break;
        case 'machine':
          if (ev.machine) machines.push(ev.machine);
          break;
        case 'machineMetadata': {
          if (ev.value === undefined) break;
          let m = machineMetadata.get(ev.machineId);
          if (!m) machineMetadata.set(ev.machineId, (m = new Map()));
          m.set(ev.key, ev.value);
          break;
        }
        case 'schedule':
          if (ev.entry) schedule.push(ev.entry);
          break;
        case 'policy':
          policy = ev.document;
          break;
        case 'body':
          if (ev.text !== undefined) bodies.set(ev.hash, ev.revision);
          break;
        case 'rollout':
          if (ev.rollout) rollouts.push({ record: ev.rollout, modRevision: ev.revision });
          break;
        case 'state':
        case 'leader':
          break;
      }
    }
    // Each directory comes sorted by key from the store; the key order is exactly the documented sort order.
    return { revision, units, desired, machines, machineMetadata, schedule, bodies, rollouts, ...(policy !== undefined ? { policy } : {}) };
  }

  watchCluster(fromRevision: bigint, listener: RegistryWatchListener): Subscription {
    return watchPrefixes(this.kv, this.placementPrefixes(), fromRevision, {
      onEvents: (events) => {
        const decoded = events.flatMap((ev) => decodeEventOrAbsent(this.layout, ev, this.warn) ?? []);
        if (decoded.length > 0) listener.onEvents(decoded);
      },
      onResync: (reason) => listener.onResync(reason),
      onConnection: (c) => listener.onConnection?.(c),
    });
  }

  async applySchedule(ops: readonly ScheduleOp[], fence: LeaderFence): Promise<void> {
    const notes = new Map<string, DecisionNote>();
    const txnOps: TxnOp[] = ops.map((op) => {
      const machine = op.type === 'put' ? op.entry.machineId : op.machineId;
      const unit = op.type === 'put' ? op.entry.name : op.name;
      const key = this.layout.schedule(machine, unit);
      // A placement's reason travels in its entry; an unschedule's (a delete has no value) in `engine/decisions`.
      if (op.type === 'delete' && op.reason !== undefined) notes.set(key, { kind: 'unschedule', unit, machine, reason: op.reason });
      else notes.delete(key);
      return op.type === 'put' ? { type: 'put', key, value: encodeSchedule(op.reason !== undefined ? { ...op.entry, reason: op.reason } : op.entry) } : { type: 'delete', key };
    });
    const annotate = (chunk: readonly TxnOp[]): TxnOp | undefined => {
      const decisions = chunk.flatMap((op) => (op.type === 'put' || op.type === 'delete' ? (notes.get(op.key) ?? []) : []));
      return decisions.length === 0 ? undefined : { type: 'put', key: this.layout.decisions(), value: encodeDecisions({ decisions }) };
    };
    await applyFenced(this.kv, this.layout, fence, txnOps, this.maxOpsPerTxn, notes.size > 0 && this.maxOpsPerTxn >= 2 ? annotate : undefined);
  }

  async listUnplaced(): Promise<UnplacedRecord[]> {
    const { kvs } = await this.kv.list(this.layout.unplacedAll());
    const out: UnplacedRecord[] = [];
    for (const kv of kvs) {
      try {
        out.push(decodeUnplaced(kv.key, kv.value));
      } catch (err) {
        if (err instanceof CorruptRecordError) this.warn(err);
        else throw err;
      }
    }
    return out;
  }

  async recordAnomaly(record: AnomalyRecord, fence: LeaderFence): Promise<bigint> {
    const res = await this.kv.txn(fenceCompares(this.layout, fence), [{ type: 'put', key: this.layout.anomaly(), value: encodeAnomaly(record) }]);
    if (!res.succeeded) throw new NotLeaderError(fence.machineId, fence.createRevision, 0);
    return res.revision;
  }

  async saveAnomalyMemory(document: string, fence: LeaderFence): Promise<void> {
    const res = await this.kv.txn(fenceCompares(this.layout, fence), [{ type: 'put', key: this.layout.anomalyMemory(), value: document }]);
    if (!res.succeeded) throw new NotLeaderError(fence.machineId, fence.createRevision, 0);
  }

  async loadAnomalyMemory(): Promise<string | undefined> {
    return (await this.kv.get(this.layout.anomalyMemory())).kv?.value;
  }

  async applyUnplaced(ops: readonly UnplacedOp[], fence: LeaderFence): Promise<void> {
    const txnOps: TxnOp[] = ops.map((op) =>
      op.type === 'put' ? { type: 'put', key: this.layout.unplaced(op.record.name), value: encodeUnplaced(op.record) } : { type: 'delete', key: this.layout.unplaced(op.name) },
    );
    await applyFenced(this.kv, this.layout, fence, txnOps, this.maxOpsPerTxn);
  }

  upgradeUnitRecords(): Promise<UnitUpgradeReport> {
    return upgradeUnitRecords(this.kv, this.layout, this.warn, this.maxOpsPerTxn);
  }

  deleteBodies(bodies: readonly CollectableBody[], view: BodyReferenceView, fence: LeaderFence): Promise<{ deleted: number; complete: boolean }> {
    return deleteBodies(this.kv, this.layout, bodies, view, fence, this.maxOpsPerTxn);
  }

  async getBody(hash: string): Promise<string | undefined> {
    return (await this.kv.get(this.layout.body(hash))).kv?.value;
  }

  async listGroupStates(group: string): Promise<UnitStateRecord[]> {
    const { kvs } = await this.kv.list(this.layout.statesOfGroup(group));
    return kvs.flatMap((kv) => {
      const ev = decodeEventOrAbsent(this.layout, { type: 'put', kv }, this.warn);
      return ev?.kind === 'state' && ev.state !== undefined && inGroup(group, ev.name) ? [ev.state] : [];
    });
  }

  async writeRollout(record: RolloutRecord, units: readonly UnitWithText[], expectedModRevision: bigint, fence: LeaderFence): Promise<bigint | undefined> {
    if (units.length > 0) {
      const ops: TxnOp[] = units.flatMap((u): TxnOp[] => [
        { type: 'putIfAbsent', key: this.layout.body(u.hash), value: u.text },
        { type: 'put', key: this.layout.unit(u.name), value: encodeUnit(u) },
      ]);
      await applyFenced(this.kv, this.layout, fence, ops, this.maxOpsPerTxn - (this.maxOpsPerTxn % 2));
    }
    const key = this.layout.rollout(record.group);
    const res = await this.kv.txn(
      [...fenceCompares(this.layout, fence), { key, target: 'mod', result: 'equal', value: expectedModRevision }],
      [{ type: 'put', key, value: encodeRollout(record) }],
      [{ type: 'get', key: this.layout.leader() }],
    );
    if (res.succeeded) return res.revision;
    const leader = res.gets[0];
    if (leader === undefined || leader.createRevision !== fence.createRevision || leader.value !== fence.machineId) throw new NotLeaderError(fence.machineId, fence.createRevision, 0);
    return undefined;
  }
}

/**
 * The keys under `prefixes` (each a directory below `root`) at one revision:
 * one multi-range read when the backend has `listPrefixes`, else one list of
 * `root` filtered here (same keys, more bytes on the wire).
 */
async function listAtOneRevision(kv: KvBackend, root: string, prefixes: readonly string[]): Promise<{ kvs: KeyValue[]; revision: bigint }> {
  if (kv.listPrefixes) {
    const { lists, revision } = await kv.listPrefixes(prefixes);
    return { kvs: lists.flat(), revision };
  }
  const { kvs, revision } = await kv.list(root);
  return { kvs: kvs.filter((k) => prefixes.some((p) => k.key.startsWith(p))), revision };
}

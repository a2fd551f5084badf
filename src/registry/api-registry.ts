import { abortReason, CorruptRecordError, InvalidNameError, NotStartedError, UnitExistsError, UnitNotFoundError } from './errors.js';
import { agree, decodeChange, decodeEventOrAbsent, type RegistryChange } from './events.js';
import { checkMachineId, checkMetadataKey, checkUnitName, type KeyLayout } from './keys.js';
import type { Compare, KeyValue, KvBackend, Subscription, TxnOp } from './kv.js';
import { chunkWrites, type WriteTxn } from './unit-writes.js';
import { DEFAULT_MAX_TXN_OPS } from './fenced.js';
import { pooled } from '../pool.js';
import { scanPrefixes } from './scan.js';
import {
  decodeApplied,
  decodeDesired,
  decodeUnit,
  decodeUnplaced,
  encodeApplied,
  encodeDesired,
  encodeUnit,
  withDynamicMetadata,
  type MachineRecord,
  type ScheduleEntry,
  type UnitRecord,
  type UnitStateRecord,
  type UnplacedRecord,
  type UnitWithText,
} from './records.js';
import type { ApiRegistry, MachinesSnapshot, RegistryWatchListener, StateFilter, StoredRollout, UnitsSnapshot, UnitWithDesired, UnitWrite } from './roles.js';
import { encodeRollout } from './rollout-records.js';
import type { RolloutRecord } from '../rollout/types.js';
import { groupApplySets, type ApplySet, type DesiredState } from '../domain/index.js';

/** Transactions of one bulk write or read in flight at once; the API's etcd client bounds the total anyway. */
const BULK_TXNS_IN_FLIGHT = 4;

/** {@link ApiRegistry} over any {@link KvBackend}. */
export class KvApiRegistry implements ApiRegistry {
  constructor(
    private readonly kv: KvBackend,
    private readonly layout: KeyLayout,
    private readonly warn: (err: CorruptRecordError) => void,
    /** Operations per transaction of a bulk write (etcd's `--max-txn-ops`). */
    private readonly maxOpsPerTxn: number = DEFAULT_MAX_TXN_OPS,
  ) {}

  async createUnit(unit: UnitWithText, desired: DesiredState = 'inactive', applySet?: string): Promise<void> {
    const res = await this.kv.txn([this.absent(unit.name)], this.createOps(unit, desired, applySet));
    if (!res.succeeded) throw new UnitExistsError(unit.name);
  }

  private createOps(unit: UnitWithText, desired: DesiredState, applySet: string | undefined): TxnOp[] {
    const membership: TxnOp[] = applySet === undefined ? [] : [{ type: 'put', key: this.layout.applied(unit.name), value: encodeApplied(applySet) }];
    return [...this.putUnit(unit), { type: 'put', key: this.layout.desired(unit.name), value: encodeDesired(desired) }, ...membership];
  }

  async replaceUnit(unit: UnitWithText, desired?: DesiredState): Promise<void> {
    const desiredKey = this.layout.desired(unit.name);
    const putUnit = this.putUnit(unit);
    if (desired !== undefined) {
      await this.kv.txn([], [...putUnit, { type: 'put', key: desiredKey, value: encodeDesired(desired) }]);
      return;
    }
    // Keep an existing desired state; give a brand-new unit `inactive`.
    await this.kv.txn(
      [{ key: desiredKey, target: 'create', result: 'equal', value: 0n }],
      [...putUnit, { type: 'put', key: desiredKey, value: encodeDesired('inactive') }],
      putUnit,
    );
  }

  /**
   * The record and its body, for one transaction: the body is created only
   * if no unit wrote that hash before (bodies are immutable), so the record
   * never points at a missing body.
   */
  private putUnit(unit: UnitWithText): TxnOp[] {
    return [
      { type: 'put', key: this.layout.unit(unit.name), value: encodeUnit(unit) },
      { type: 'putIfAbsent', key: this.layout.body(unit.hash), value: unit.text },
    ];
  }

  async setDesiredState(name: string, desired: DesiredState): Promise<void> {
    const res = await this.kv.txn([this.present(name)], [{ type: 'put', key: this.layout.desired(name), value: encodeDesired(desired) }]);
    if (!res.succeeded) throw new UnitNotFoundError(name);
  }

  async destroyUnit(name: string): Promise<void> {
    const res = await this.kv.txn([this.present(name)], this.destroyOps(name));
    if (!res.succeeded) throw new UnitNotFoundError(name);
  }

  private destroyOps(name: string): TxnOp[] {
    return [
      { type: 'delete', key: this.layout.unit(name) },
      { type: 'delete', key: this.layout.desired(name) },
      { type: 'delete', key: this.layout.applied(name) },
    ];
  }

  async writeUnits(writes: readonly UnitWrite[], signal?: AbortSignal): Promise<Array<unknown>> {
    const outcomes = new Array<unknown>(writes.length).fill(undefined);
    /** `afterLostAnswer`: the chunk's own transaction may have committed (etcd's answer was lost), so a destroy finding the unit gone was ours. */
    const one = async (i: number, afterLostAnswer = false): Promise<void> => {
      const w = writes[i]!;
      try {
        await this.writeOne(w);
      } catch (err) {
        outcomes[i] = afterLostAnswer && w.kind === 'destroy' && err instanceof UnitNotFoundError ? undefined : err;
      }
    };
    await pooled(chunkWrites(writes, (w) => this.writeTxn(w), this.maxOpsPerTxn), BULK_TXNS_IN_FLIGHT, async (chunk) => {
      if (signal?.aborted === true) {
        const error = new NotStartedError(abortReason(signal));
        for (const i of 'alone' in chunk ? [chunk.alone] : chunk.indexes) outcomes[i] = error;
        return;
      }
      if ('alone' in chunk) return one(chunk.alone);
      let succeeded = false;
      let lostAnswer = false;
      try {
        succeeded = (await this.kv.txn(chunk.compares, chunk.ops)).succeeded;
      } catch {
        // Retried one by one below: each write then gets its own error (or succeeds).
        lostAnswer = true;
      }
      if (!succeeded) for (const i of chunk.indexes) await one(i, lostAnswer);
    });
    return outcomes;
  }

  private writeOne(w: UnitWrite): Promise<void> {
    switch (w.kind) {
      case 'create':
        return this.createUnit(w.unit, w.desired, w.applySet);
      case 'replace':
        return this.replaceUnit(w.unit, w.desired);
      case 'setDesired':
        return this.setDesiredState(w.name, w.desired);
      case 'destroy':
        return this.destroyUnit(w.name);
    }
  }

  /** The compares and ops of one write, as its one-unit method makes them; undefined for a replace that keeps the desired state (it needs a failure branch). */
  private writeTxn(w: UnitWrite): WriteTxn | undefined {
    switch (w.kind) {
      case 'create':
        return { compares: [this.absent(w.unit.name)], ops: this.createOps(w.unit, w.desired ?? 'inactive', w.applySet) };
      case 'replace':
        return w.desired === undefined ? undefined : { compares: [], ops: [...this.putUnit(w.unit), { type: 'put', key: this.layout.desired(w.unit.name), value: encodeDesired(w.desired) }] };
      case 'setDesired':
        return { compares: [this.present(w.name)], ops: [{ type: 'put', key: this.layout.desired(w.name), value: encodeDesired(w.desired) }] };
      case 'destroy':
        return { compares: [this.present(w.name)], ops: this.destroyOps(w.name) };
    }
  }

  private absent(name: string): Compare {
    return { key: this.layout.unit(name), target: 'create', result: 'equal', value: 0n };
  }

  private present(name: string): Compare {
    return { key: this.layout.unit(name), target: 'create', result: 'greater', value: 0n };
  }

  async getUnits(names: readonly string[]): Promise<Array<UnitWithDesired | undefined>> {
    // Two gets per unit, within the transaction size limit.
    const perTxn = Math.max(1, Math.floor(this.maxOpsPerTxn / 2));
    const chunks: string[][] = [];
    for (let i = 0; i < names.length; i += perTxn) chunks.push(names.slice(i, i + perTxn));
    const found = await pooled(chunks, BULK_TXNS_IN_FLIGHT, async (chunk) => {
      const res = await this.kv.txn([], chunk.flatMap((n) => [{ type: 'get' as const, key: this.layout.unit(n) }, { type: 'get' as const, key: this.layout.desired(n) }]));
      return chunk.map((_, i) => {
        const u = res.gets[2 * i];
        return u ? this.withDesired(u, res.gets[2 * i + 1]) : undefined;
      });
    });
    return found.flat();
  }

  async getUnit(name: string): Promise<UnitWithDesired | undefined> {
    const res = await this.kv.txn([], [
      { type: 'get', key: this.layout.unit(name) },
      { type: 'get', key: this.layout.desired(name) },
    ]);
    const [u, d] = res.gets;
    return u ? this.withDesired(u, d) : undefined;
  }

  async listUnits(): Promise<UnitWithDesired[]> {
    return (await this.scanUnits(false)).units;
  }

  async unitsSnapshot(): Promise<UnitsSnapshot> {
    return this.scanUnits(true);
  }

  /**
   * Units with their desired states (and, with `withStates`, every state
   * report) at one revision, each page decoded as it arrives so that only
   * the records stay in memory, not the keys and values they came from.
   */
  private async scanUnits(withStates: boolean): Promise<UnitsSnapshot> {
    const units: UnitRecord[] = [];
    const desired = new Map<string, DesiredState | CorruptRecordError>();
    const states: UnitStateRecord[] = [];
    const prefixes = [this.layout.units(), this.layout.desiredAll(), ...(withStates ? [this.layout.statesAll()] : [])];
    const revision = await scanPrefixes(this.kv, prefixes, (i, kvs) => {
      if (i === 0) {
        for (const kv of kvs) {
          const ev = decodeEventOrAbsent(this.layout, { type: 'put', kv }, this.warn);
          if (ev?.kind === 'unit' && ev.unit !== undefined) units.push(ev.unit);
        }
      } else if (i === 1) {
        for (const kv of kvs) {
          const parsed = this.layout.parse(kv.key);
          if (parsed?.kind !== 'desired') continue;
          try {
            desired.set(parsed.name, decodeDesired(kv.key, kv.value));
          } catch (err) {
            if (!(err instanceof CorruptRecordError)) throw err;
            // Reported only for a unit that exists (below), as a read of that unit would.
            desired.set(parsed.name, err);
          }
        }
      } else {
        for (const s of this.statesOf(kvs)) states.push(s);
      }
    });
    const out = units.map((unit): UnitWithDesired => {
      const d = desired.get(unit.name) ?? 'inactive';
      if (d instanceof CorruptRecordError) this.warn(d);
      return { unit, desired: d instanceof CorruptRecordError ? 'inactive' : d };
    });
    return { units: out, states, revision };
  }

  async listApplySets(): Promise<ApplySet[]> {
    const dir = this.layout.appliedAll();
    const { kvs } = await this.kv.list(dir);
    const members: Array<[string, string]> = [];
    for (const kv of kvs) {
      const unit = kv.key.slice(dir.length);
      try {
        checkUnitName(unit);
        members.push([unit, decodeApplied(kv.key, kv.value)]);
      } catch (err) {
        if (err instanceof InvalidNameError) continue;
        if (!(err instanceof CorruptRecordError)) throw err;
        this.warn(err);
      }
    }
    return groupApplySets(members);
  }

  async listMachines(): Promise<MachineRecord[]> {
    const { machines, dynamic } = await this.machinesSnapshot();
    return withDynamicMetadata(machines, dynamic);
  }

  async machinesSnapshot(): Promise<MachinesSnapshot> {
    const machines: MachineRecord[] = [];
    const dynamic = new Map<string, Map<string, string>>();
    const revision = await scanPrefixes(this.kv, [this.layout.machines(), this.layout.machineMetadataAll()], (i, kvs) => {
      for (const kv of kvs) {
        const ev = decodeEventOrAbsent(this.layout, { type: 'put', kv }, this.warn);
        if (i === 0 && ev?.kind === 'machine' && ev.machine) machines.push(ev.machine);
        if (i === 1 && ev?.kind === 'machineMetadata' && ev.value !== undefined) {
          let m = dynamic.get(ev.machineId);
          if (!m) dynamic.set(ev.machineId, (m = new Map()));
          m.set(ev.key, ev.value);
        }
      }
    });
    return { machines, dynamic, revision };
  }

  async getPolicy(): Promise<string | undefined> {
    return (await this.kv.get(this.layout.policy())).kv?.value;
  }

  async setPolicy(document: string): Promise<void> {
    await this.kv.txn([], [{ type: 'put', key: this.layout.policy(), value: document }]);
  }

  async listSchedule(): Promise<ScheduleEntry[]> {
    return (await this.scheduleSnapshot()).entries;
  }

  async scheduleSnapshot(): Promise<{ entries: ScheduleEntry[]; revision: bigint }> {
    const entries: ScheduleEntry[] = [];
    const revision = await scanPrefixes(this.kv, [this.layout.scheduleAll()], (_, kvs) => {
      for (const kv of kvs) {
        const ev = decodeEventOrAbsent(this.layout, { type: 'put', kv }, this.warn);
        if (ev?.kind === 'schedule' && ev.entry) entries.push(ev.entry);
      }
    });
    return { entries, revision };
  }

  watchSchedule(fromRevision: bigint, listener: RegistryWatchListener): Subscription {
    return this.kv.watch(this.layout.scheduleAll(), fromRevision, {
      onEvents: (events) => {
        const decoded = events.flatMap((ev) => decodeEventOrAbsent(this.layout, ev, this.warn) ?? []);
        if (decoded.length > 0) listener.onEvents(decoded);
      },
      onResync: (reason) => listener.onResync(reason),
      onConnection: (c) => listener.onConnection?.(c),
    });
  }

  watchChanges(fromRevision: bigint, listener: RegistryWatchListener<RegistryChange>): Subscription {
    return this.kv.watch(
      this.layout.prefix,
      fromRevision,
      {
        onEvents: (events) => {
          const decoded = events.flatMap((ev) => decodeChange(this.layout, ev, this.warn) ?? []);
          if (decoded.length > 0) listener.onEvents(decoded);
        },
        onResync: (reason) => listener.onResync(reason),
        onConnection: (c) => listener.onConnection?.(c),
      },
      { prevKv: true },
    );
  }

  async headRevision(): Promise<bigint> {
    return (await this.kv.get(this.layout.leader())).revision;
  }

  async isCompacted(revision: bigint): Promise<boolean> {
    return this.kv.hasCompacted === undefined ? false : this.kv.hasCompacted(revision);
  }

  async getUnplaced(name: string): Promise<UnplacedRecord | undefined> {
    const { kv } = await this.kv.get(this.layout.unplaced(name));
    if (kv === undefined) return undefined;
    try {
      return decodeUnplaced(kv.key, kv.value);
    } catch (err) {
      if (!(err instanceof CorruptRecordError)) throw err;
      this.warn(err);
      return undefined;
    }
  }

  async listStates(filter: StateFilter = {}): Promise<UnitStateRecord[]> {
    const names = filter.names ? new Set(filter.names) : undefined;
    const machines = filter.machineIds ? new Set(filter.machineIds) : undefined;
    const prefix = names?.size === 1 ? this.layout.statesOf([...names][0]!) : this.layout.statesAll();
    const { kvs } = await this.kv.list(prefix);
    return this.statesOf(kvs).filter((s) => (!names || names.has(s.name)) && (!machines || machines.has(s.machineId)));
  }

  private statesOf(kvs: readonly KeyValue[]): UnitStateRecord[] {
    return kvs.flatMap((kv) => {
      const ev = decodeEventOrAbsent(this.layout, { type: 'put', kv }, this.warn);
      return ev?.kind === 'state' && ev.state ? [ev.state] : [];
    });
  }

  async setMachineMetadata(machineId: string, key: string, value: string): Promise<void> {
    if (value === '') throw new RangeError('metadata value must not be empty (use deleteMachineMetadata)');
    await this.kv.txn([], [{ type: 'put', key: this.layout.machineMetadata(checkMachineId(machineId), checkMetadataKey(key)), value }]);
  }

  async deleteMachineMetadata(machineId: string, key: string): Promise<void> {
    await this.kv.txn([], [{ type: 'put', key: this.layout.machineMetadata(machineId, key), value: '' }]);
  }

  async listRollouts(): Promise<StoredRollout[]> {
    const { kvs } = await this.kv.list(this.layout.rolloutsAll());
    return kvs.flatMap((kv) => this.storedRollout(kv) ?? []);
  }

  async getRollout(group: string): Promise<StoredRollout | undefined> {
    const { kv } = await this.kv.get(this.layout.rollout(group));
    return kv === undefined ? undefined : this.storedRollout(kv);
  }

  async createRollout(record: RolloutRecord, body: { readonly hash: string; readonly text: string }, expectedModRevision: bigint): Promise<boolean> {
    const key = this.layout.rollout(record.group);
    const res = await this.kv.txn(
      [{ key, target: 'mod', result: 'equal', value: expectedModRevision }],
      [
        { type: 'putIfAbsent', key: this.layout.body(body.hash), value: body.text },
        { type: 'put', key, value: encodeRollout(record) },
      ],
    );
    return res.succeeded;
  }

  async updateRollout(record: RolloutRecord, expectedModRevision: bigint): Promise<boolean> {
    const key = this.layout.rollout(record.group);
    const res = await this.kv.txn([{ key, target: 'mod', result: 'equal', value: expectedModRevision }], [{ type: 'put', key, value: encodeRollout(record) }]);
    return res.succeeded;
  }

  private storedRollout(kv: KeyValue): StoredRollout | undefined {
    const ev = decodeEventOrAbsent(this.layout, { type: 'put', kv }, this.warn);
    return ev?.kind === 'rollout' && ev.rollout !== undefined ? { record: ev.rollout, modRevision: kv.modRevision } : undefined;
  }

  private withDesired(unitKv: KeyValue, desiredKv: KeyValue | undefined): UnitWithDesired | undefined {
    try {
      const name = this.layout.parse(unitKv.key);
      const unit = agree(unitKv.key, decodeUnit(unitKv.key, unitKv.value), 'name', name?.kind === 'unit' ? name.name : '');
      let desired: DesiredState = 'inactive';
      if (desiredKv) {
        try {
          desired = decodeDesired(desiredKv.key, desiredKv.value);
        } catch (err) {
          if (!(err instanceof CorruptRecordError)) throw err;
          this.warn(err);
        }
      }
      return { unit, desired };
    } catch (err) {
      if (!(err instanceof CorruptRecordError)) throw err;
      this.warn(err);
      return undefined;
    }
  }
}

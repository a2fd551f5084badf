import { randomUUID } from 'node:crypto';
import type { Clock } from '../clock.js';
import { CorruptRecordError } from './errors.js';
import { agree, decodeEventOrAbsent } from './events.js';
import type { KeyLayout } from './keys.js';
import type { KeyValue, KvBackend, Subscription, TxnOp } from './kv.js';
import { announceMachine } from './presence.js';
import { decodeStoredUnit, encodeState, type MachineRecord, type ScheduleEntry, type UnitStateRecord } from './records.js';
import type { AgentRegistry, AnnounceOptions, MachinePresence, RegistryWatchListener } from './roles.js';

/** {@link AgentRegistry} over any {@link KvBackend}. */
export class KvAgentRegistry implements AgentRegistry {
  constructor(
    private readonly kv: KvBackend,
    private readonly layout: KeyLayout,
    private readonly warn: (err: CorruptRecordError) => void,
    private readonly maxOpsPerTxn: number,
    private readonly clock: Clock | undefined,
  ) {}

  announce(record: MachineRecord, options: AnnounceOptions): Promise<MachinePresence> {
    return announceMachine(this.kv, this.layout, record, { ...options, clock: this.clock });
  }

  async registryEpoch(): Promise<string> {
    const key = this.layout.epoch();
    for (;;) {
      const mine = randomUUID();
      const r = await this.kv.txn([], [{ type: 'putIfAbsent', key, value: mine }]);
      if (r.created[0] === true) return mine;
      const { kv } = await this.kv.get(key);
      if (kv !== undefined) return kv.value; // else deleted meanwhile (another reset): create it again
    }
  }

  async listSchedule(machineId: string): Promise<{ entries: ScheduleEntry[]; revision: bigint }> {
    const { kvs, revision } = await this.kv.list(this.layout.scheduleOf(machineId));
    const entries: ScheduleEntry[] = [];
    for (const kv of kvs) {
      const ev = decodeEventOrAbsent(this.layout, { type: 'put', kv }, this.warn);
      if (ev?.kind === 'schedule' && ev.entry) entries.push(ev.entry);
    }
    return { entries, revision };
  }

  async readPolicy(): Promise<{ document: string | undefined; revision: bigint }> {
    const { kvs, revision } = await this.kv.list(this.layout.policy());
    let document: string | undefined;
    for (const kv of kvs) {
      const ev = decodeEventOrAbsent(this.layout, { type: 'put', kv }, this.warn);
      if (ev?.kind === 'policy') document = ev.document;
    }
    return { document, revision };
  }

  watchPolicy(fromRevision: bigint, listener: RegistryWatchListener): Subscription {
    return this.watchPrefix(this.layout.policy(), fromRevision, listener);
  }

  watchSchedule(machineId: string, fromRevision: bigint, listener: RegistryWatchListener): Subscription {
    return this.watchPrefix(this.layout.scheduleOf(machineId), fromRevision, listener);
  }

  /** Watches `prefix`, decoding events (keys that are not records of the layout are dropped). */
  private watchPrefix(prefix: string, fromRevision: bigint, listener: RegistryWatchListener): Subscription {
    return this.kv.watch(prefix, fromRevision, {
      onEvents: (events) => {
        const decoded = events.flatMap((ev) => decodeEventOrAbsent(this.layout, ev, this.warn) ?? []);
        if (decoded.length > 0) listener.onEvents(decoded);
      },
      onResync: (reason) => listener.onResync(reason),
      onConnection: (c) => listener.onConnection?.(c),
    });
  }

  async getBodies(wanted: ReadonlyMap<string, string>): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    const hashes = [...new Set(wanted.values())].sort();
    await this.getChunked(hashes.map((h) => this.layout.body(h)), (kv, j) => out.set(hashes[j]!, kv.value));
    // A unit written by a fleetd older than bodies has its text only inline in its record.
    const legacy = [...wanted].filter(([, hash]) => !out.has(hash)).map(([name]) => name).sort();
    await this.getChunked(legacy.map((n) => this.layout.unit(n)), (kv, j) => {
      try {
        const stored = decodeStoredUnit(kv.key, kv.value);
        const name = legacy[j]!;
        agree(kv.key, stored.record, 'name', name);
        if (stored.inlineText !== undefined && stored.record.hash === wanted.get(name)) out.set(stored.record.hash, stored.inlineText);
      } catch (err) {
        if (!(err instanceof CorruptRecordError)) throw err;
        this.warn(err);
      }
    });
    return out;
  }

  /** Reads `keys` in transactions of at most `maxOpsPerTxn` gets, calling `found` for each present one with its index. */
  private async getChunked(keys: readonly string[], found: (kv: KeyValue, index: number) => void): Promise<void> {
    for (let i = 0; i < keys.length; i += this.maxOpsPerTxn) {
      const res = await this.kv.txn([], keys.slice(i, i + this.maxOpsPerTxn).map((key): TxnOp => ({ type: 'get', key })));
      res.gets.forEach((kv, j) => {
        if (kv) found(kv, i + j);
      });
    }
  }

  async publishStates(presence: MachinePresence, states: readonly UnitStateRecord[]): Promise<void> {
    const ops = states.map((s): TxnOp => {
      if (s.machineId !== presence.machineId) throw new RangeError(`state of ${s.name} is for ${s.machineId}, not ${presence.machineId}`);
      return { type: 'put', key: this.layout.state(s.name, s.machineId), value: encodeState(s), lease: presence.leaseId };
    });
    await this.inChunks(ops);
  }

  async deleteStates(machineId: string, names: readonly string[]): Promise<void> {
    await this.inChunks([...new Set(names)].map((n): TxnOp => ({ type: 'delete', key: this.layout.state(n, machineId) })));
  }

  private async inChunks(ops: TxnOp[]): Promise<void> {
    for (let i = 0; i < ops.length; i += this.maxOpsPerTxn) await this.kv.txn([], ops.slice(i, i + this.maxOpsPerTxn));
  }
}


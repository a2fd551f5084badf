import type { Clock } from '../clock.js';
import type { CorruptRecordError } from './errors.js';
import { agree, decodeEventOrAbsent } from './events.js';
import type { KeyLayout } from './keys.js';
import type { KvBackend, Subscription, TxnOp } from './kv.js';
import { announceMachine } from './presence.js';
import { decodeUnit, encodeState, type MachineRecord, type ScheduleEntry, type UnitRecord, type UnitStateRecord } from './records.js';
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

  async listSchedule(machineId: string): Promise<{ entries: ScheduleEntry[]; revision: bigint }> {
    const { kvs, revision } = await this.kv.list(this.layout.scheduleOf(machineId));
    const entries: ScheduleEntry[] = [];
    for (const kv of kvs) {
      const ev = decodeEventOrAbsent(this.layout, { type: 'put', kv }, this.warn);
      if (ev?.kind === 'schedule' && ev.entry) entries.push(ev.entry);
    }
    return { entries, revision };
  }

  watchSchedule(machineId: string, fromRevision: bigint, listener: RegistryWatchListener): Subscription {
    return this.kv.watch(this.layout.scheduleOf(machineId), fromRevision, {
      onEvents: (events) => {
        const decoded = events.flatMap((ev) => decodeEventOrAbsent(this.layout, ev, this.warn) ?? []);
        if (decoded.length > 0) listener.onEvents(decoded);
      },
      onResync: (reason) => listener.onResync(reason),
      onConnection: (c) => listener.onConnection?.(c),
    });
  }

  async getUnits(names: readonly string[]): Promise<Map<string, UnitRecord>> {
    const unique = [...new Set(names)].sort();
    const out = new Map<string, UnitRecord>();
    for (let i = 0; i < unique.length; i += this.maxOpsPerTxn) {
      const chunk = unique.slice(i, i + this.maxOpsPerTxn);
      const res = await this.kv.txn([], chunk.map((n): TxnOp => ({ type: 'get', key: this.layout.unit(n) })));
      res.gets.forEach((kv, j) => {
        if (!kv) return;
        try {
          out.set(chunk[j]!, agree(kv.key, decodeUnit(kv.key, kv.value), 'name', chunk[j]!));
        } catch (err) {
          this.warn(err as CorruptRecordError);
        }
      });
    }
    return out;
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


import { decodeEventOrAbsent } from './events.js';
import type { CorruptRecordError } from './errors.js';
import { applyFenced } from './fenced.js';
import type { KeyLayout } from './keys.js';
import type { KvBackend, Subscription, TxnOp } from './kv.js';
import { encodeSchedule, type DesiredState, type MachineRecord, type ScheduleEntry, type UnitRecord, type UnitStateRecord } from './records.js';
import type { ClusterSnapshot, EngineRegistry, LeaderFence, RegistryWatchListener, ScheduleOp } from './roles.js';

/** {@link EngineRegistry} over any {@link KvBackend}. */
export class KvEngineRegistry implements EngineRegistry {
  /** `warn` receives records that could not be decoded (they are treated as absent). */
  constructor(
    private readonly kv: KvBackend,
    private readonly layout: KeyLayout,
    private readonly warn: (err: CorruptRecordError) => void,
    private readonly maxOpsPerTxn: number,
  ) {}

  async snapshot(): Promise<ClusterSnapshot> {
    // One range over the whole prefix: every part of the snapshot is from the same revision.
    const { kvs, revision } = await this.kv.list(this.layout.prefix);
    const units: UnitRecord[] = [];
    const desired = new Map<string, DesiredState>();
    const machines: MachineRecord[] = [];
    const machineMetadata = new Map<string, Map<string, string>>();
    const schedule: ScheduleEntry[] = [];
    const states: UnitStateRecord[] = [];
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
        case 'state':
          if (ev.state) states.push(ev.state);
          break;
        case 'leader':
          break;
      }
    }
    // Keys come sorted from the store; the key order is exactly the documented sort order.
    return { revision, units, desired, machines, machineMetadata, schedule, states };
  }

  watchCluster(fromRevision: bigint, listener: RegistryWatchListener): Subscription {
    return this.kv.watch(this.layout.prefix, fromRevision, {
      onEvents: (events) => {
        const decoded = events.flatMap((ev) => decodeEventOrAbsent(this.layout, ev, this.warn) ?? []);
        if (decoded.length > 0) listener.onEvents(decoded);
      },
      onResync: (reason) => listener.onResync(reason),
      onConnection: (c) => listener.onConnection?.(c),
    });
  }

  async applySchedule(ops: readonly ScheduleOp[], fence: LeaderFence): Promise<void> {
    const txnOps: TxnOp[] = ops.map((op) =>
      op.type === 'put'
        ? { type: 'put', key: this.layout.schedule(op.entry.machineId, op.entry.name), value: encodeSchedule(op.entry) }
        : { type: 'delete', key: this.layout.schedule(op.machineId, op.name) },
    );
    await applyFenced(this.kv, this.layout, fence, txnOps, this.maxOpsPerTxn);
  }
}

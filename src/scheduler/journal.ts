/**
 * Reasons recorded while a pass moves units around, and the final diff of
 * the resulting placement against the snapshot's schedule. Decisions come
 * only from that diff, so a unit moved twice in one pass (or moved away and
 * back) yields no spurious writes.
 */
import type { ClusterSnapshot, Decision } from './types.js';
import type { MachineInfo } from './model.js';
import type { PlacementState } from './state.js';
import { compareStrings } from './name-index.js';

type Reasons = Map<string, Map<string, string>>;

/** Reasons by (unit, machine id). The last reason recorded wins. */
export class Journal {
  private readonly added: Reasons = new Map();
  private readonly removed: Reasons = new Map();

  /** Records why `unit` is (to be) on machine `machineId`. */
  placed(unit: string, machineId: string, reason: string): void {
    record(this.added, unit, machineId, reason);
  }

  /** Records why `unit` is (to be) off machine `machineId`. */
  unplaced(unit: string, machineId: string, reason: string): void {
    record(this.removed, unit, machineId, reason);
  }

  /** Unschedules (schedule entries not in the final state) then schedules (the reverse), each sorted by unit then machine id. */
  diff(schedule: ClusterSnapshot['schedule'], state: PlacementState, machines: readonly MachineInfo[]): Decision[] {
    const unschedules: Decision[] = [];
    const schedules: Decision[] = [];
    const byId = new Map(machines.map((m) => [m.id, m.index]));
    const current = new Map<string, ReadonlySet<string>>();
    for (const [unit, list] of schedule) {
      const ids = new Set(list);
      current.set(unit, ids);
      for (const id of ids) {
        const m = byId.get(id);
        if (m !== undefined && state.hosts(m, unit)) continue;
        const reason = this.removed.get(unit)?.get(id) ?? 'no longer placed here';
        unschedules.push({ kind: 'unschedule', unit, machine: id, reason });
      }
    }
    for (const machine of machines) {
      for (const unit of state.unitsOn(machine.index).keys()) {
        if (current.get(unit)?.has(machine.id)) continue;
        const reason = this.added.get(unit)?.get(machine.id) ?? 'placed';
        schedules.push({ kind: 'schedule', unit, machine: machine.id, reason });
      }
    }
    const order = (a: Decision, b: Decision) => compareStrings(a.unit, b.unit) || compareStrings(a.machine, b.machine);
    return [...unschedules.sort(order), ...schedules.sort(order)];
  }
}

function record(reasons: Reasons, unit: string, machineId: string, reason: string): void {
  let byMachine = reasons.get(unit);
  if (byMachine === undefined) reasons.set(unit, (byMachine = new Map()));
  byMachine.set(machineId, reason);
}

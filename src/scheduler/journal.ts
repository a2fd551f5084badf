/**
 * Reasons recorded while a pass moves units around, and the final diff of
 * the resulting placement against the snapshot's schedule. Decisions come
 * only from that diff, so a unit moved twice in one pass (or moved away and
 * back) yields no spurious writes.
 */
import type { ClusterSnapshot, Decision } from './types.js';
import type { MachineIndex, MachineInfo, PlanUnit } from './model.js';
import type { PlacementView } from './state.js';
import { compareStrings } from './name-index.js';

/**
 * Reasons by (unit, machine id); the last one recorded wins. Most units get
 * one reason for one machine, kept as a pair; a second machine turns the
 * unit's entry into a map.
 */
class Reasons {
  private readonly byUnit = new Map<string, readonly [string, string] | Map<string, string>>();

  set(unit: string, machineId: string, reason: string): void {
    const had = this.byUnit.get(unit);
    if (had === undefined || (!(had instanceof Map) && had[0] === machineId)) this.byUnit.set(unit, [machineId, reason]);
    else if (had instanceof Map) had.set(machineId, reason);
    else this.byUnit.set(unit, new Map([had, [machineId, reason]]));
  }

  /** Units with a reason recorded. */
  units(): Iterable<string> {
    return this.byUnit.keys();
  }

  get(unit: string, machineId: string): string | undefined {
    const had = this.byUnit.get(unit);
    if (had === undefined) return undefined;
    if (had instanceof Map) return had.get(machineId);
    return had[0] === machineId ? had[1] : undefined;
  }
}

/** Reasons by (unit, machine id). The last reason recorded wins. */
export class Journal {
  private readonly added = new Reasons();
  private readonly removed = new Reasons();

  /** Records why `unit` is (to be) on machine `machineId`. */
  placed(unit: string, machineId: string, reason: string): void {
    this.added.set(unit, machineId, reason);
  }

  /** Records why `unit` is (to be) off machine `machineId`. */
  unplaced(unit: string, machineId: string, reason: string): void {
    this.removed.set(unit, machineId, reason);
  }

  /** Every unit a reason was recorded for (an incremental pass diffs only these, see `carry.ts`). */
  units(): Set<string> {
    const out = new Set(this.added.units());
    for (const u of this.removed.units()) out.add(u);
    return out;
  }

  /**
   * Unschedules (schedule entries not in the final state) then schedules (the
   * reverse), each sorted by unit then machine id. `units`: every unit the
   * final state may hold, sorted by name; `machines` sorted by id, as in the pass.
   */
  diff(schedule: ClusterSnapshot['schedule'], state: PlacementView, machines: readonly MachineInfo[], units: readonly PlanUnit[]): Decision[] {
    const unschedules: Decision[] = [];
    const byId = new Map(machines.map((m) => [m.id, m.index]));
    for (const [unit, list] of schedule) {
      for (const id of list.length === 1 ? list : new Set(list)) {
        const m = byId.get(id);
        if (m !== undefined && state.hosts(m, unit)) continue;
        const reason = this.removed.get(unit, id) ?? 'no longer placed here';
        unschedules.push({ kind: 'unschedule', unit, machine: id, reason });
      }
    }
    unschedules.sort((a, b) => compareStrings(a.unit, b.unit) || compareStrings(a.machine, b.machine));
    // Names and machine indexes are in id order already: the schedules come out sorted.
    const schedules: Decision[] = [];
    for (let i = 0; i < units.length; i++) {
      const u = units[i]!;
      const unit = u.name;
      const on = state.machinesOf(u);
      if (on.size === 0) continue;
      const had = schedule.get(unit);
      const wasOn = had === undefined || had.length < 16 ? had : new Set(had);
      const add = (m: MachineIndex): void => {
        const id = machines[m]!.id;
        if (wasOn !== undefined && (Array.isArray(wasOn) ? (wasOn as readonly string[]).includes(id) : (wasOn as ReadonlySet<string>).has(id))) return;
        schedules.push({ kind: 'schedule', unit, machine: id, reason: this.added.get(unit, id) ?? 'placed' });
      };
      if (on.size === 1) for (const m of on) add(m);
      else for (const m of [...on].sort((a, b) => a - b)) add(m);
    }
    return unschedules.concat(schedules);
  }
}

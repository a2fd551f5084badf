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

/** One unit's reasons: most units get one reason for one machine, kept as a pair; a second machine turns it into a map. */
type Entry = readonly [string, string] | Map<string, string>;

function withReason(had: Entry | undefined, machineId: string, reason: string): Entry {
  if (had === undefined || (!(had instanceof Map) && had[0] === machineId)) return [machineId, reason];
  if (had instanceof Map) {
    had.set(machineId, reason);
    return had;
  }
  return new Map([had, [machineId, reason]]);
}

/** {@link Reasons}' machine id of a unit with reasons for several machines (they are in its map). */
const SEVERAL = Symbol('several');

/**
 * Reasons by (unit, machine id); the last one recorded wins. A unit of the
 * pass's model (given as itself, or by name when the journal knows the
 * model) is kept by rank, in arrays: at 100,000 units a map by name cost
 * a pass more than anything else the journal does, and a pair per reason
 * was garbage the collector copied. Other names (units no longer active)
 * go in a map.
 */
class Reasons {
  private readonly byName = new Map<string, Entry>();
  /** Per rank: the machine id of the unit's one reason, {@link SEVERAL} when it has reasons for several machines (in `several`), undefined when none. */
  private readonly ids: Array<string | typeof SEVERAL | undefined>;
  /** Per rank: the reason for the machine in `ids`. */
  private readonly texts: Array<string | undefined>;
  /** Per rank of a unit with reasons for several machines: machine id -> reason. */
  private readonly several = new Map<number, Map<string, string>>();
  /** The units with an entry by rank. */
  private readonly ranked: PlanUnit[] = [];

  constructor(private readonly model: ReadonlyMap<string, PlanUnit> | undefined) {
    this.ids = new Array<string | typeof SEVERAL | undefined>(model?.size ?? 0);
    this.texts = new Array<string | undefined>(model?.size ?? 0);
  }

  set(unit: string | PlanUnit, machineId: string, reason: string): void {
    const u = this.resolve(unit);
    if (u === undefined) {
      const name = typeof unit === 'string' ? unit : unit.name;
      this.byName.set(name, withReason(this.byName.get(name), machineId, reason));
      return;
    }
    const r = u.rank;
    const had = this.ids[r];
    if (had === undefined) {
      this.ranked.push(u);
      this.ids[r] = machineId;
      this.texts[r] = reason;
    } else if (had === machineId) this.texts[r] = reason;
    else if (had === SEVERAL) this.several.get(r)!.set(machineId, reason);
    else {
      this.several.set(r, new Map([[had, this.texts[r]!], [machineId, reason]]));
      this.ids[r] = SEVERAL;
      this.texts[r] = undefined;
    }
  }

  /** Units with a reason recorded. */
  units(): Iterable<string> {
    const out = [...this.byName.keys()];
    for (const u of this.ranked) out.push(u.name);
    return out;
  }

  get(unit: string | PlanUnit, machineId: string): string | undefined {
    const u = this.resolve(unit);
    if (u !== undefined) {
      const had = this.ids[u.rank];
      if (had === undefined) return undefined;
      if (had === SEVERAL) return this.several.get(u.rank)!.get(machineId);
      return had === machineId ? this.texts[u.rank] : undefined;
    }
    const had = this.byName.get(typeof unit === 'string' ? unit : unit.name);
    if (had === undefined) return undefined;
    if (had instanceof Map) return had.get(machineId);
    return had[0] === machineId ? had[1] : undefined;
  }

  /** The model's unit `unit` is (undefined: not one, or no model). */
  private resolve(unit: string | PlanUnit): PlanUnit | undefined {
    if (this.model === undefined) return undefined;
    return typeof unit === 'string' ? this.model.get(unit) : unit;
  }
}

/** Reasons by (unit, machine id). The last reason recorded wins. */
export class Journal {
  private readonly added: Reasons;
  private readonly removed: Reasons;

  /** `model`: the pass's units by name (`Prepared.units`), whose reasons are then kept by rank; a unit given as itself must be one of them. */
  constructor(model?: ReadonlyMap<string, PlanUnit>) {
    this.added = new Reasons(model);
    this.removed = new Reasons(model);
  }

  /** Records why `unit` (a name, or the unit itself: no lookup) is (to be) on machine `machineId`. */
  placed(unit: string | PlanUnit, machineId: string, reason: string): void {
    this.added.set(unit, machineId, reason);
  }

  /** Records why `unit` (a name, or the unit itself) is (to be) off machine `machineId`. */
  unplaced(unit: string | PlanUnit, machineId: string, reason: string): void {
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
    const byId = schedule.size === 0 ? undefined : new Map(machines.map((m) => [m.id, m.index]));
    for (const [unit, list] of schedule) {
      for (const id of list.length === 1 ? list : new Set(list)) {
        const m = byId!.get(id);
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
      // An empty schedule (a pass from scratch): no lookup per unit.
      const had = schedule.size === 0 ? undefined : schedule.get(unit);
      if (had === undefined && on.size === 1) {
        // The usual unit of a pass from scratch: on one machine, scheduled nowhere.
        for (const m of on) {
          const id = machines[m]!.id;
          schedules.push({ kind: 'schedule', unit, machine: id, reason: this.added.get(u, id) ?? 'placed' });
        }
        continue;
      }
      const wasOn = had === undefined || had.length < 16 ? had : new Set(had);
      const add = (m: MachineIndex): void => {
        const id = machines[m]!.id;
        if (wasOn !== undefined && (Array.isArray(wasOn) ? (wasOn as readonly string[]).includes(id) : (wasOn as ReadonlySet<string>).has(id))) return;
        schedules.push({ kind: 'schedule', unit, machine: id, reason: this.added.get(u, id) ?? 'placed' });
      };
      if (on.size === 1) for (const m of on) add(m);
      else for (const m of [...on].sort((a, b) => a - b)) add(m);
    }
    return unschedules.length === 0 ? schedules : unschedules.concat(schedules);
  }
}

/**
 * What an incremental pass read of the schedule, in the schedule's own
 * order, so that the next pass resolves its entries without looking every
 * unit name and machine id up. An engine builds each pass's schedule from
 * the same cache, so consecutive passes list mostly the same entries in
 * the same order; at 100,000 entries the two map lookups per entry (unit by
 * name, machine by id) were half of a settled pass (`carry.ts`).
 *
 * An entry is resolved from the previous reading when its name (and, for
 * the machine, its id) is the one read at the same position; any other
 * entry is looked up, and the position moves to where the previous reading
 * had that unit, so an entry added or gone costs one lookup, not the rest.
 * A reading is valid only with the unit model and the machines it was made
 * with (a carry's, which a pass checks before using the carry).
 */
import type { MachineIndex, PlanUnit } from './model.js';

/** The single-machine entries of active ordinary units one pass read, in schedule order. */
export interface ScheduleReading {
  /** How many entries were read. */
  readonly length: number;
  readonly names: readonly string[];
  readonly ids: readonly string[];
  readonly ranks: Int32Array;
  readonly machines: Int32Array;
  /** Per unit rank: its position in this reading; -1 when it has none. */
  readonly positions: Int32Array;
}

/** Resolves one pass's schedule entries, in order, against the previous pass's reading, and records this pass's. */
export class ScheduleOrder {
  private length = 0;
  private readonly names: string[];
  private readonly ids: string[];
  private readonly ranks: Int32Array;
  private readonly machines: Int32Array;
  private readonly positions: Int32Array;
  /** Position in `previous` of the entry expected next. */
  private at = 0;
  /** Position in `previous` of the entry {@link unitOf} last matched; -1 when it was looked up. */
  private matched = -1;

  /**
   * `entries`: how many the schedule has; `previous`: the previous pass's reading (undefined: look every entry up);
   * `order`, `units`: the model (`Prepared`); `byId`: machine id -> index for the pass's machines (needed with `previous`).
   */
  constructor(
    entries: number,
    private readonly previous: ScheduleReading | undefined,
    private readonly order: readonly PlanUnit[],
    private readonly units: ReadonlyMap<string, PlanUnit>,
    private readonly byId?: ReadonlyMap<string, MachineIndex>,
  ) {
    this.positions = new Int32Array(order.length).fill(-1);
    this.names = new Array<string>(entries);
    this.ids = new Array<string>(entries);
    this.ranks = new Int32Array(entries);
    this.machines = new Int32Array(entries);
  }

  /** The active unit the entry `name` names (the next entry of the schedule); undefined when none. */
  unitOf(name: string): PlanUnit | undefined {
    const prev = this.previous;
    if (prev === undefined) return this.units.get(name);
    const j = this.at;
    if (j < prev.length && prev.names[j] === name) {
      this.matched = j;
      this.at = j + 1;
      return this.order[prev.ranks[j]!];
    }
    this.matched = -1;
    const unit = this.units.get(name);
    if (unit !== undefined) {
      const p = prev.positions[unit.rank]!;
      if (p >= 0) this.at = p + 1;
    }
    return unit;
  }

  /** The machine with id `id`, the entry's (the one {@link unitOf} was last asked about); undefined when unknown. */
  machineOf(id: string): MachineIndex | undefined {
    const j = this.matched;
    if (j >= 0 && this.previous!.ids[j] === id) return this.previous!.machines[j]!;
    return this.byId!.get(id);
  }

  /** Records that the entry (`name` on machine id `id`) is ordinary unit `unit` on `m`, for the next pass. */
  record(name: string, id: string, unit: PlanUnit, m: MachineIndex): void {
    const i = this.length++;
    this.positions[unit.rank] = i;
    this.names[i] = name;
    this.ids[i] = id;
    this.ranks[i] = unit.rank;
    this.machines[i] = m;
  }

  /** What this pass read, for the next. */
  reading(): ScheduleReading {
    return { length: this.length, names: this.names, ids: this.ids, ranks: this.ranks, machines: this.machines, positions: this.positions };
  }
}

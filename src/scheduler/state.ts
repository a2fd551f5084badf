/**
 * The placement state of one planning pass: which active units are on which
 * machine, with the indexes filters and rankings read (per-machine name sets,
 * glob-relation counters, loads). Mutable, but private to a pass: the
 * planner as a whole stays a pure function of its snapshot.
 */
import type { MachineIndex, MachineInfo, PlanUnit } from './model.js';
import { PatternCounts, type PatternCountsView } from './pattern-counts.js';
import { LoadOrder, type LoadOrderView } from './scorers/load-order.js';
import { allCandidates, type CandidateSet } from './candidates.js';
import { ResourceUsage, type ResourceUsageView } from './resource-usage.js';
import { AllocationOrder } from './scorers/allocation-order.js';
import { RoomIndex } from './room-index.js';

const NONE: ReadonlySet<never> = new Set();
/** {@link PlacementState}'s `where` for a unit on no machine, and for one on several. */
const NOWHERE = -1;
const SEVERAL = -2;
const NO_INSTANCES: ReadonlyMap<MachineIndex, number> = new Map();
const NO_VALUES: ReadonlyMap<string, number> = new Map();

/** Adds `delta` to the count of `value` under `template`, dropping zeros. */
function bump(perTemplate: Map<string, Map<string, number>>, template: string, value: string, delta: number): void {
  let perValue = perTemplate.get(template);
  if (perValue === undefined) perTemplate.set(template, (perValue = new Map()));
  const n = (perValue.get(value) ?? 0) + delta;
  if (n === 0) perValue.delete(value);
  else perValue.set(value, n);
}

/** What filters, pre-filters and scorers may read. */
export interface PlacementView {
  /** All machines, sorted by id; `machines[i].index === i`. */
  readonly machines: readonly MachineInfo[];
  /** Every machine, as a candidate set with key `'*'`. */
  readonly everyMachine: CandidateSet;
  /** The active unit called `name`; undefined when there is none (unknown or inactive). */
  unit(name: string): PlanUnit | undefined;
  /** The units currently on `m`, by name (in arrival order). */
  unitsOn(m: MachineIndex): ReadonlyMap<string, PlanUnit>;
  /** True when unit `unit` (a name, or the unit itself: no lookup) is currently on `m`. */
  hosts(m: MachineIndex, unit: string | PlanUnit): boolean;
  /** Machines unit `unit` (a name, or the unit itself: no lookup) is currently on (empty when none). */
  machinesOf(unit: string | PlanUnit): ReadonlySet<MachineIndex>;
  /** Machines whose id is `id` or whose 8-character short id is `id`, ascending. */
  machinesWithId(id: string): readonly MachineIndex[];
  /** `Conflicts=` counters per machine. */
  readonly conflicts: PatternCountsView;
  /** `Replaces=` counters per machine. */
  readonly replaces: PatternCountsView;
  /** Loads, and machines in least-loaded order. */
  readonly loads: LoadOrderView;
  /** Resources each machine can give and the placed units request. */
  readonly resources: ResourceUsageView;
  /** Instances of template `template` (its prefix) placed so far, per machine; machines without any left out. */
  instancesOf(template: string): ReadonlyMap<MachineIndex, number>;
  /** Instances of `template` placed so far per value of metadata `key` (machines without it under ''); kept up to date once asked for. */
  instancesByValue(template: string, key: string): { readonly perValue: ReadonlyMap<string, number>; readonly most: number };
  /** Memoises a value that depends only on fixed machine data (e.g. a metadata candidate set). */
  memo<T>(key: string, compute: () => T): T;
  /** Increases on every placement and removal. */
  readonly tick: number;
  /** `spread`'s machine order, grouped by shape and by metadata key `groupBy` (undefined: shape only); kept up to date. */
  allocationOrder(groupBy: string | undefined): AllocationOrder;
  /** Which machines have room for a set of requests (what the Resources filter accepts); kept up to date. */
  roomIndex(): RoomIndex;
}

/** Mutable {@link PlacementView} used by the planner. */
export class PlacementState implements PlacementView {
  readonly everyMachine: CandidateSet;
  readonly conflicts: PatternCounts;
  readonly replaces: PatternCounts;
  readonly loads: LoadOrder;
  readonly resources: ResourceUsage;
  /** Template prefix (`web` of `web@1.service`) -> machine -> instances of it placed there. */
  private readonly instances = new Map<string, Map<MachineIndex, number>>();
  /** Increases on every add and remove. */
  tick = 0;
  /** Tick of the latest removal (a removal can make room for units that did not fit). */
  lastRemoval = 0;
  /** unit name -> tick it was last added somewhere, for units others follow (a new MachineOf peer can make room for its followers). */
  readonly lastAdded = new Map<string, number>();

  /** Per machine, its units in arrival order (a Map per machine cost a 100,000-unit pass more than anything else in `add`). */
  private readonly lists: PlanUnit[][];
  /** Per machine, its units by name: built when first asked for ({@link unitsOn}), then kept up to date. */
  private readonly names: Array<Map<string, PlanUnit> | undefined>;
  /** Per machine, see {@link versionOf}. */
  private readonly versions: Int32Array;
  /**
   * Per unit, by rank: its machine, {@link NOWHERE}, or {@link SEVERAL} once
   * it has had more than one at a time (global units; its machines are then
   * in `several`). Typed and by rank, not a map by name: at 100,000 units the
   * map's lookups were a tenth of a pass.
   */
  private readonly where: Int32Array;
  private readonly several = new Map<number, Set<MachineIndex>>();
  private placedUnits = 0;
  /** Per machine, the one-machine set {@link machinesOf} answers for units placed only there (built on first use). */
  private readonly singles: Array<ReadonlySet<MachineIndex> | undefined>;
  /** Machine id and short id -> machines; built on first use (only units with `MachineID=` ask). */
  private ids: Map<string, MachineIndex[]> | undefined;
  private readonly memos = new Map<string, unknown>();
  private readonly orders = new Map<string, AllocationOrder>();
  private room: RoomIndex | undefined;
  /** metadata key -> template -> value -> instances, for the keys asked for. */
  private readonly byValue = new Map<string, Map<string, Map<string, number>>>();
  /** The same counts, with each machine's value of the key (machines without it: ''), for the updates of every placement. */
  private readonly valueCounts: Array<{ readonly perTemplate: Map<string, Map<string, number>>; readonly valueOn: readonly string[] }> = [];
  /** Told after every add and remove, with the machine (the preemption phase's victim index). */
  private readonly changeListeners: Array<(m: MachineIndex, added: boolean) => void> = [];

  constructor(
    readonly machines: readonly MachineInfo[],
    private readonly units: ReadonlyMap<string, PlanUnit>,
  ) {
    const n = machines.length;
    this.everyMachine = allCandidates(n);
    this.conflicts = new PatternCounts(n);
    this.replaces = new PatternCounts(n);
    this.loads = new LoadOrder(n);
    this.lists = Array.from({ length: n }, () => []);
    this.names = new Array<Map<string, PlanUnit> | undefined>(n);
    this.versions = new Int32Array(n);
    this.singles = new Array<ReadonlySet<MachineIndex> | undefined>(n);
    this.where = new Int32Array(units.size).fill(NOWHERE);
    this.resources = new ResourceUsage(machines, (m) => this.lists[m]!.map((u) => u.scoreRequests));
  }

  instancesOf(template: string): ReadonlyMap<MachineIndex, number> {
    return this.instances.get(template) ?? NO_INSTANCES;
  }

  unit(name: string): PlanUnit | undefined {
    return this.units.get(name);
  }

  unitsOn(m: MachineIndex): ReadonlyMap<string, PlanUnit> {
    let names = this.names[m];
    if (names === undefined) {
      names = new Map();
      for (const u of this.lists[m]!) names.set(u.name, u);
      this.names[m] = names;
    }
    return names;
  }

  hosts(m: MachineIndex, unit: string | PlanUnit): boolean {
    const u = typeof unit === 'string' ? this.units.get(unit) : unit;
    // Every unit placed is one of the pass's units: from `where`, as `add` asks, not from the machine's list.
    if (u === undefined) return false;
    const on = this.where[u.rank]!;
    return on === m || (on === SEVERAL && this.several.get(u.rank)!.has(m));
  }

  machinesOf(unit: string | PlanUnit): ReadonlySet<MachineIndex> {
    const u = typeof unit === 'string' ? this.units.get(unit) : unit;
    if (u === undefined) return NONE;
    const on = this.where[u.rank]!;
    if (on === NOWHERE) return NONE;
    if (on === SEVERAL) return this.several.get(u.rank)!;
    return (this.singles[on] ??= new Set([on]));
  }

  machinesWithId(id: string): readonly MachineIndex[] {
    if (this.ids === undefined) {
      this.ids = new Map();
      for (const m of this.machines) {
        this.indexId(m.id, m.index);
        if (m.id.length > 8) this.indexId(m.id.slice(0, 8), m.index);
      }
    }
    return this.ids.get(id) ?? [];
  }

  /** How many units are placed on at least one machine. */
  get placedCount(): number {
    return this.placedUnits;
  }

  /** True when unit `unit` (a name, or the unit itself: no lookup) is on some machine. */
  isPlaced(unit: string | PlanUnit): boolean {
    const u = typeof unit === 'string' ? this.units.get(unit) : unit;
    return u !== undefined && this.where[u.rank] !== NOWHERE;
  }

  /** Increases whenever a unit arrives on or leaves `m`: equal versions, equal units on `m`. */
  versionOf(m: MachineIndex): number {
    return this.versions[m]!;
  }

  instancesByValue(template: string, key: string): { readonly perValue: ReadonlyMap<string, number>; readonly most: number } {
    let perTemplate = this.byValue.get(key);
    if (perTemplate === undefined) {
      this.byValue.set(key, (perTemplate = new Map()));
      this.valueCounts.push({ perTemplate, valueOn: this.machines.map((machine) => machine.metadata[key] ?? '') });
      for (const [t, perMachine] of this.instances) for (const [m, n] of perMachine) bump(perTemplate, t, this.machines[m]!.metadata[key] ?? '', n);
    }
    // A walk asks once per machine it scores, with nothing placed in between: the same answer.
    const last = this.lastByValue;
    if (last !== undefined && last.tick === this.tick && last.template === template && last.key === key) return last.answer;
    const perValue = perTemplate.get(template) ?? NO_VALUES;
    let most = 0;
    for (const n of perValue.values()) if (n > most) most = n;
    const answer = { perValue, most };
    this.lastByValue = { tick: this.tick, template, key, answer };
    return answer;
  }

  /** The latest {@link instancesByValue} answer, valid while `tick` has not moved. */
  private lastByValue: { tick: number; template: string; key: string; answer: { readonly perValue: ReadonlyMap<string, number>; readonly most: number } } | undefined;

  allocationOrder(groupBy: string | undefined): AllocationOrder {
    const id = groupBy ?? '';
    let order = this.orders.get(id);
    if (order === undefined) {
      const o = new AllocationOrder(this.machines, this.resources, groupBy === undefined ? undefined : (m) => m.metadata[groupBy] ?? '');
      this.onChange((m, added) => o.touched(m, added));
      this.orders.set(id, (order = o));
    }
    return order;
  }

  roomIndex(): RoomIndex {
    if (this.room === undefined) {
      const room = new RoomIndex(this.resources, this.machines.length);
      this.onChange((m) => room.changed(m));
      this.room = room;
    }
    return this.room;
  }

  /**
   * Tells the indexes that `m`'s resource usage was changed directly
   * (`resources.update`, phase 1's reservations) and is final again; they
   * hear it as a removal (what frees room). Not needed while no index exists.
   */
  resourcesChanged(m: MachineIndex): void {
    this.versions[m]!++;
    for (const l of this.changeListeners) l(m, false);
  }

  /** Calls `listener` after every add and remove, with the machine whose units changed and whether a unit was added (else removed). */
  onChange(listener: (m: MachineIndex, added: boolean) => void): void {
    this.changeListeners.push(listener);
  }

  memo<T>(key: string, compute: () => T): T {
    if (!this.memos.has(key)) this.memos.set(key, compute());
    return this.memos.get(key) as T;
  }

  /** Places `unit` on `m`; a no-op when it is already there. */
  add(unit: PlanUnit, m: MachineIndex): void {
    // Whether it is there already, from `where` (a typed array) rather than the machine's name map.
    const r = unit.rank;
    const on = this.where[r]!;
    if (on === m || (on === SEVERAL && this.several.get(r)!.has(m))) return;
    this.lists[m]!.push(unit);
    this.names[m]?.set(unit.name, unit);
    if (on === NOWHERE) {
      this.where[r] = m;
      this.placedUnits++;
    } else if (on === SEVERAL) this.several.get(r)!.add(m);
    else {
      this.where[r] = SEVERAL;
      this.several.set(r, new Set([on, m]));
    }
    this.conflicts.update(m, unit.conflictedBy, unit.conflicts, 1);
    this.replaces.update(m, unit.replacedBy, unit.replaces, 1);
    this.loads.adjust(m, 1);
    this.resources.update(m, unit.requests, 1);
    this.resources.updateScoring(m, unit.scoreRequests, 1);
    if (unit.template !== undefined) this.countInstance(unit.template, m, 1);
    this.versions[m]!++;
    ++this.tick;
    if (unit.followers.length > 0) this.lastAdded.set(unit.name, this.tick);
    const listeners = this.changeListeners;
    for (let i = 0; i < listeners.length; i++) listeners[i]!(m, true);
  }

  /** Removes `unit` from `m`; a no-op when it is not there. */
  remove(unit: PlanUnit, m: MachineIndex): void {
    const list = this.lists[m]!;
    // By name, as the map was: the unit given may be another pass's object for the same unit.
    let at = list.length - 1;
    while (at >= 0 && list[at]!.name !== unit.name) at--;
    if (at < 0) return;
    list.splice(at, 1);
    this.names[m]?.delete(unit.name);
    const r = unit.rank;
    if (this.where[r] !== SEVERAL) {
      this.where[r] = NOWHERE;
      this.placedUnits--;
    } else {
      const on = this.several.get(r)!;
      if (on.delete(m) && on.size === 0) {
        this.several.delete(r);
        this.where[r] = NOWHERE;
        this.placedUnits--;
      }
    }
    this.conflicts.update(m, unit.conflictedBy, unit.conflicts, -1);
    this.replaces.update(m, unit.replacedBy, unit.replaces, -1);
    this.loads.adjust(m, -1);
    this.resources.update(m, unit.requests, -1);
    this.resources.updateScoring(m, unit.scoreRequests, -1);
    if (unit.template !== undefined) this.countInstance(unit.template, m, -1);
    this.versions[m]!++;
    this.lastRemoval = ++this.tick;
    const listeners = this.changeListeners;
    for (let i = 0; i < listeners.length; i++) listeners[i]!(m, false);
  }

  private countInstance(template: string, m: MachineIndex, delta: 1 | -1): void {
    let perMachine = this.instances.get(template);
    if (perMachine === undefined) this.instances.set(template, (perMachine = new Map()));
    const n = (perMachine.get(m) ?? 0) + delta;
    if (n === 0) perMachine.delete(m);
    else perMachine.set(m, n);
    // Index loop, each machine's value read from an array: no iterator nor metadata lookup per placement.
    const counts = this.valueCounts;
    for (let i = 0; i < counts.length; i++) bump(counts[i]!.perTemplate, template, counts[i]!.valueOn[m]!, delta);
  }

  private indexId(id: string, m: MachineIndex): void {
    const list = this.ids!.get(id);
    if (list === undefined) this.ids!.set(id, [m]);
    else if (!list.includes(m)) list.push(m);
  }
}

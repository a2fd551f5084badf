/**
 * Per-machine resource accounting of one pass, in fixed units (bytes,
 * thousandths): what each machine can give (its allocatable amounts) and
 * what the units placed on it so far request (global units included).
 * Free may go below 0 on a machine that kept units after its capacity
 * shrank (over-committed): it keeps them and takes nothing new.
 */
import type { MachineIndex, MachineInfo } from './model.js';
import { toFixedUnits } from '../resources/index.js';

/** Read side, for filters and scorers. */
export interface ResourceUsageView {
  /** What machine `m` can give of `name` in fixed units; 0 when it offers none. */
  allocatable(m: MachineIndex, name: string): number;
  /** Requested of `name` on `m` by the units placed there in this pass, fixed units. */
  used(m: MachineIndex, name: string): number;
  /** allocatable − used (negative when over-committed). */
  free(m: MachineIndex, name: string): number;
  /**
   * For scoring: the fraction (0..1) of `name` on `m` in use once `unit`
   * is added, counting every placed unit's scoring requests (best-effort
   * units as the policy's small default); 1 when `m` offers none of it.
   */
  usedFractionWith(m: MachineIndex, name: string, amount: number): number;
  /** Requested of `name` on `m` for scoring (best-effort units at the policy's default), fixed units. */
  scoringUsed(m: MachineIndex, name: string): number;
  /** A resource `m` has more of allocated than it can give (over-committed), first by name; undefined when none. */
  overcommitted(m: MachineIndex): string | undefined;
  /** True when `m` has at least each of `requests` free (over-commitment not considered). */
  hasFree(m: MachineIndex, requests: ReadonlyArray<readonly [string, number]>): boolean;
  /** The position in `requests` of the first one `m` has less than free (over-commitment not considered); -1 when it has each. */
  firstShort(m: MachineIndex, requests: ReadonlyArray<readonly [string, number]>): number;
  /** True when `m` can give less than request `i` of `requests` (the {@link firstShort} position) even with nothing on it. */
  neverFits(m: MachineIndex, requests: ReadonlyArray<readonly [string, number]>, i: number): boolean;
  /** The first of `machines` with the most free `name` below `need`, and that amount; undefined when each has at least `need` free. */
  mostFreeBelow(machines: readonly MachineIndex[], name: string, need: number): { readonly machine: MachineIndex; readonly free: number } | undefined;
  /** Sum over `names` of scoring usage / allocatable on `m` (a resource `m` offers none of adds 0). */
  scoringFractionSum(m: MachineIndex, names: readonly string[]): number;
  /** Sum over `requests` of the free fraction of `m` once they are added to its scoring usage (a resource `m` offers none of adds 0). */
  freeFractionSumWith(m: MachineIndex, requests: ReadonlyArray<readonly [string, number]>): number;
}

/** The last list a reader resolved to slots, and those slots. */
interface SlotMemo {
  list: object | undefined;
  slots: Int32Array;
}

/** Mutable {@link ResourceUsageView}. */
export class ResourceUsage implements ResourceUsageView {
  /** Resource name -> its slot in the per-resource arrays below (added as names are first seen). */
  private readonly slots = new Map<string, number>();
  /** Per slot, per machine: what it can give, fixed units. */
  private readonly capacity: Float64Array[] = [];
  /** Per slot, per machine: what the placed units request. */
  private readonly usage: Float64Array[] = [];
  /**
   * Like usage, with best-effort units counted at the policy's default.
   * Built on first read (from `scoringOf`): a pass whose scorers never read
   * it (fleet's least-loaded placement) does not keep it up to date.
   */
  private scoring: Float64Array[] | undefined;
  /** Per machine, the resources where used > allocatable. */
  private readonly over: Array<Set<string> | undefined>;
  private readonly count: number;
  /** Per requests or names list (units with one content share theirs), the slot of each name. */
  private readonly listSlots = new WeakMap<object, Int32Array>();
  // The latest list each reader asked, with its slots: a walk asks one unit's lists for every machine it looks at,
  // and readers alternate (the room check, the score, the key).
  private readonly requestMemo: SlotMemo = { list: undefined, slots: new Int32Array(0) };
  private readonly keyMemo: SlotMemo = { list: undefined, slots: new Int32Array(0) };
  private readonly scoreMemo: SlotMemo = { list: undefined, slots: new Int32Array(0) };

  /** `scoringOf(m)`: the scoring requests of every unit placed on `m` so far (read once, when scoring usage is first asked for). */
  constructor(
    machines: readonly MachineInfo[],
    private readonly scoringOf: (m: MachineIndex) => Iterable<ReadonlyArray<readonly [string, number]>>,
  ) {
    this.count = machines.length;
    for (const m of machines) {
      const capacity = m.capacity;
      if (capacity === undefined) continue;
      for (const name of Object.keys(capacity)) this.capacity[this.slot(name)]![m.index] = toFixedUnits(name, capacity[name]!);
    }
    this.over = machines.map(() => undefined);
  }

  /** The slot of resource `name`, added (0 everywhere) when new. */
  private slot(name: string): number {
    let s = this.slots.get(name);
    if (s === undefined) {
      s = this.capacity.length;
      this.slots.set(name, s);
      this.capacity.push(new Float64Array(this.count));
      this.usage.push(new Float64Array(this.count));
      this.scoring?.push(new Float64Array(this.count));
    }
    return s;
  }

  /**
   * The slots of `list`'s names (requests or resource names), in order (a
   * name without a slot gets one: 0 everywhere, as an unknown name reads):
   * per machine asked, slot numbers instead of a lookup by name per
   * request. `memo`: the asking reader's latest list.
   */
  private slotsOf(list: ReadonlyArray<readonly [string, number]> | readonly string[], memo: SlotMemo = this.requestMemo): Int32Array {
    if (memo.list === list) return memo.slots;
    let slots = this.listSlots.get(list);
    if (slots === undefined) {
      slots = new Int32Array(list.length);
      for (let i = 0; i < list.length; i++) {
        const r = list[i]!;
        slots[i] = this.slot(typeof r === 'string' ? r : r[0]);
      }
      this.listSlots.set(list, slots);
    }
    memo.list = list;
    memo.slots = slots;
    return slots;
  }

  private scoringUsage(): Float64Array[] {
    if (this.scoring === undefined) {
      const scoring = this.capacity.map(() => new Float64Array(this.count));
      this.scoring = scoring;
      for (let m = 0; m < this.count; m++) {
        for (const requests of this.scoringOf(m)) for (const [name, v] of requests) scoring[this.slot(name)]![m] += v;
      }
    }
    return this.scoring;
  }

  overcommitted(m: MachineIndex): string | undefined {
    const over = this.over[m];
    return over === undefined || over.size === 0 ? undefined : [...over].sort()[0];
  }

  allocatable(m: MachineIndex, name: string): number {
    const s = this.slots.get(name);
    return s === undefined ? 0 : this.capacity[s]![m]!;
  }

  used(m: MachineIndex, name: string): number {
    const s = this.slots.get(name);
    return s === undefined ? 0 : this.usage[s]![m]!;
  }

  free(m: MachineIndex, name: string): number {
    const s = this.slots.get(name);
    return s === undefined ? 0 : this.capacity[s]![m]! - this.usage[s]![m]!;
  }

  scoringUsed(m: MachineIndex, name: string): number {
    const scoring = this.scoringUsage();
    const s = this.slots.get(name);
    return s === undefined ? 0 : scoring[s]![m]!;
  }

  // The three below do in one call what callers did with several: a double returned from a call that is
  // not inlined is boxed, and at 100,000 units those boxes were most of a pass's allocation.
  hasFree(m: MachineIndex, requests: ReadonlyArray<readonly [string, number]>): boolean {
    return this.firstShort(m, requests) < 0;
  }

  firstShort(m: MachineIndex, requests: ReadonlyArray<readonly [string, number]>): number {
    const slots = this.slotsOf(requests);
    const capacity = this.capacity;
    const usage = this.usage;
    for (let i = 0; i < slots.length; i++) {
      const s = slots[i]!;
      if (capacity[s]![m]! - usage[s]![m]! < requests[i]![1]) return i;
    }
    return -1;
  }

  neverFits(m: MachineIndex, requests: ReadonlyArray<readonly [string, number]>, i: number): boolean {
    return this.capacity[this.slotsOf(requests)[i]!]![m]! < requests[i]![1];
  }

  mostFreeBelow(machines: readonly MachineIndex[], name: string, need: number): { readonly machine: MachineIndex; readonly free: number } | undefined {
    const s = this.slots.get(name);
    // A name no machine offers: each has 0 free.
    if (s === undefined) return machines.length === 0 || need <= 0 ? undefined : { machine: machines[0]!, free: 0 };
    const capacity = this.capacity[s]!;
    const usage = this.usage[s]!;
    let best = -1;
    let bestFree = 0;
    for (let i = 0; i < machines.length; i++) {
      const m = machines[i]!;
      const free = capacity[m]! - usage[m]!;
      if (free < need && (best < 0 || free > bestFree)) {
        best = m;
        bestFree = free;
      }
    }
    return best < 0 ? undefined : { machine: best, free: bestFree };
  }

  scoringFractionSum(m: MachineIndex, names: readonly string[]): number {
    const scoring = this.scoringUsage();
    const slots = this.slotsOf(names, this.keyMemo);
    let k = 0;
    for (let i = 0; i < slots.length; i++) {
      const s = slots[i]!;
      const alloc = this.capacity[s]![m]!;
      if (alloc > 0) k += scoring[s]![m]! / alloc;
    }
    return k;
  }

  freeFractionSumWith(m: MachineIndex, requests: ReadonlyArray<readonly [string, number]>): number {
    const scoring = this.scoringUsage();
    const slots = this.slotsOf(requests, this.scoreMemo);
    let free = 0;
    for (let i = 0; i < slots.length; i++) {
      const s = slots[i]!;
      const alloc = this.capacity[s]![m]!;
      if (alloc > 0) free += 1 - (scoring[s]![m]! + requests[i]![1]) / alloc;
    }
    return free;
  }

  usedFractionWith(m: MachineIndex, name: string, amount: number): number {
    const alloc = this.allocatable(m, name);
    if (alloc <= 0) return 1;
    return Math.min(1, Math.max(0, (this.scoringUsed(m, name) + amount) / alloc));
  }

  /** Adds (`sign` 1) or removes (-1) a unit's scoring requests on `m`. */
  updateScoring(m: MachineIndex, requests: ReadonlyArray<readonly [string, number]>, sign: 1 | -1): void {
    const scoring = this.scoring;
    if (scoring === undefined) return;
    for (let i = 0; i < requests.length; i++) scoring[this.slot(requests[i]![0])]![m] += sign * requests[i]![1];
  }

  /** Adds (`sign` 1) or removes (-1) `requests` on `m`. */
  update(m: MachineIndex, requests: ReadonlyArray<readonly [string, number]>, sign: 1 | -1): void {
    const slots = this.slotsOf(requests);
    for (let i = 0; i < slots.length; i++) {
      const s = slots[i]!;
      const usage = this.usage[s]!;
      const now = usage[m]! + sign * requests[i]![1];
      usage[m] = now;
      if (now > this.capacity[s]![m]!) (this.over[m] ??= new Set()).add(requests[i]![0]);
      else this.over[m]?.delete(requests[i]![0]);
    }
  }
}

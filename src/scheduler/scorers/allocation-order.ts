/**
 * Machines in `spread` order without scoring all of them (the resource-aware
 * twin of `load-order.ts`). Once units request resources, `spread` scores a
 * machine 100 × the mean free fraction, after placement, of the resources
 * the unit is scored on (`least-allocated.ts`); among machines that offer
 * the same amounts (a "shape"), that score falls as the sum of their used
 * fractions of those resources rises, whatever the unit asks. So each shape
 * (split further by the `spreadBy` value, which that scorer reads) keeps a
 * heap of its machines by that sum per set of resource names, updated as
 * units are placed, and a walk merges the heads of the groups by their exact
 * score: best first, ties by machine index, the same order as scoring every
 * machine. Private to one planning pass.
 */
import type { MachineIndex, MachineInfo } from '../model.js';
import type { ResourceUsage } from '../resource-usage.js';
import type { CandidateSet, Exclusion } from '../candidates.js';
import { ContentMemo } from '../content-memo.js';

const NO_CAPACITY: Readonly<Record<string, number>> = Object.freeze({});

/** A copy of `a` twice as long (the rest zero). */
function doubled<T extends Float64Array | Int32Array>(a: T): T {
  const out = new (a.constructor as new (n: number) => T)(a.length * 2);
  out.set(a);
  return out;
}

/**
 * A binary min-heap of entries (k, m, v) by (k, m): machine `m` keyed by
 * `k`, pushed at the machine's version `v` (an entry with an older version
 * is stale and dropped when it comes up). Kept in parallel typed arrays, so
 * a push allocates nothing (a 100,000-unit pass pushes several per
 * placement); not `heap.ts`'s generic Heap for the same reason and
 * because its compare function cannot be inlined there.
 */
class EntryHeap {
  private ks: Float64Array;
  private ms: Int32Array;
  private vs: Int32Array;
  size = 0;

  /** `room`: the entries it starts with room for (it grows past them). */
  constructor(room: number) {
    const n = Math.max(16, room);
    this.ks = new Float64Array(n);
    this.ms = new Int32Array(n);
    this.vs = new Int32Array(n);
  }

  /** Key, machine and version of the first entry (size must be > 0). */
  get k(): number {
    return this.ks[0]!;
  }
  get m(): MachineIndex {
    return this.ms[0]!;
  }
  get v(): number {
    return this.vs[0]!;
  }

  push(k: number, m: MachineIndex, v: number): void {
    if (this.size === this.ks.length) this.grow();
    const ks = this.ks;
    const ms = this.ms;
    const vs = this.vs;
    let i = this.size++;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const pk = ks[p]!;
      if (!(k < pk || (k === pk && m < ms[p]!))) break;
      ks[i] = pk;
      ms[i] = ms[p]!;
      vs[i] = vs[p]!;
      i = p;
    }
    ks[i] = k;
    ms[i] = m;
    vs[i] = v;
  }

  /** Removes the first entry (size must be > 0). */
  pop(): void {
    const n = --this.size;
    if (n === 0) return;
    this.down(0, this.ks[n]!, this.ms[n]!, this.vs[n]!);
  }

  /** Replaces the first entry (size must be > 0) by (k, m, v): one pass down instead of a pop and a push (a re-keyed head). */
  replaceTop(k: number, m: MachineIndex, v: number): void {
    this.down(0, k, m, v);
  }

  /** Adds (k, m, v) out of order: {@link heapify} must run before the heap is read again. */
  append(k: number, m: MachineIndex, v: number): void {
    if (this.size === this.ks.length) this.grow();
    const i = this.size++;
    this.ks[i] = k;
    this.ms[i] = m;
    this.vs[i] = v;
  }

  /** Restores heap order after {@link append}s (linear time: a new ordering is built in one go, not pushed entry by entry). */
  heapify(): void {
    for (let i = (this.size >> 1) - 1; i >= 0; i--) this.down(i, this.ks[i]!, this.ms[i]!, this.vs[i]!);
  }

  /** Puts (k, m, v) at slot `i` or below it, moving smaller children up (slots past `size` are free). */
  private down(i: number, k: number, m: MachineIndex, v: number): void {
    const n = this.size;
    const ks = this.ks;
    const ms = this.ms;
    const vs = this.vs;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      const r = c + 1;
      if (r < n && (ks[r]! < ks[c]! || (ks[r] === ks[c] && ms[r]! < ms[c]!))) c = r;
      const ck = ks[c]!;
      if (!(ck < k || (ck === k && ms[c]! < m))) break;
      ks[i] = ck;
      ms[i] = ms[c]!;
      vs[i] = vs[c]!;
      i = c;
    }
    ks[i] = k;
    ms[i] = m;
    vs[i] = v;
  }

  private grow(): void {
    this.ks = doubled(this.ks);
    this.ms = doubled(this.ms);
    this.vs = doubled(this.vs);
  }
}

/**
 * The keys of one set of resource names, each machine's read once per
 * version: every ordering for those names re-keys a touched machine when it
 * comes up, and a new ordering keys its whole group.
 */
interface Keys {
  readonly names: readonly string[];
  readonly keys: Float64Array;
  /** Per machine, the version its key was read at (-1: never). */
  readonly at: Int32Array;
}

/** One kept order within a group: its machines (a candidate set, less excluded machines) by key for one set of resource names. */
interface Ordering {
  readonly heap: EntryHeap;
  readonly keys: Keys;
  /** False for machines this ordering leaves out (not pushed when touched). */
  readonly admits: (m: MachineIndex) => boolean;
  /** Per machine of the group (by its place there), the version of its latest push here (-1: none), so a stale entry is re-keyed once, not once per stale copy. */
  readonly pushed: Int32Array;
}

/** One shape (and spreadBy value): its machines and its orderings, by names, candidate set and exclusion. */
interface Group {
  readonly machines: readonly MachineIndex[];
  readonly orderings: Map<string, Ordering>;
}

/** `spread`'s machine order, kept up to date as units are placed. */
export class AllocationOrder {
  private readonly groups: Group[] = [];
  /** Walk id -> its ordering in each group (in `groups` order): one lookup per walk instead of one per group. */
  private readonly byWalk = new Map<string, Map<string, Map<string, Ordering[]>>>();
  private readonly groupOf: Group[];
  /** Per machine, its place in its group's `machines`. */
  private readonly place: Int32Array;
  private readonly version: Int32Array;
  /** Per set of resource names (joined by commas), their keys. */
  private readonly keysByNames = new Map<string, Keys>();
  /** A finished walk's buffers, for the next walk (walks do not overlap in a pass; one that did would get its own). */
  spare: WalkBuffers | undefined;

  /** `groupKey`: an extra per-machine value the order must not mix (the spreadBy value), or undefined. */
  constructor(
    machines: readonly MachineInfo[],
    private readonly usage: ResourceUsage,
    groupKey: ((m: MachineInfo) => string) | undefined,
  ) {
    // Machines by content of their capacity (as published: the same amounts in another order only make one more group) and group value.
    const byShape = new ContentMemo<MachineIndex[]>(machines.length + 1);
    const lists: MachineIndex[][] = [];
    const newList = (): MachineIndex[] => {
      const list: MachineIndex[] = [];
      lists.push(list);
      return list;
    };
    for (const m of machines) byShape.get([m.capacity ?? NO_CAPACITY, groupKey?.(m) ?? ''], newList).push(m.index);
    this.groupOf = new Array<Group>(machines.length);
    this.place = new Int32Array(machines.length);
    for (const list of lists) {
      const g: Group = { machines: list, orderings: new Map() };
      this.groups.push(g);
      for (let i = 0; i < list.length; i++) {
        this.groupOf[list[i]!] = g;
        this.place[list[i]!] = i;
      }
    }
    this.version = new Int32Array(machines.length);
  }

  /** Number of groups (shapes x spreadBy values). */
  get groupCount(): number {
    return this.groups.length;
  }

  /**
   * The units on machine `m` changed (call after every add and remove): its
   * entries are stale. After a removal its key may have fallen, so it is
   * re-keyed in every ordering of its group that admits it now; after an
   * addition its key can only have risen (usage grows), so each ordering
   * re-keys it when its stale entry comes up (`advance`): until then that
   * entry sorts no later than the machine's true place.
   */
  touched(m: MachineIndex, added: boolean): void {
    const v = ++this.version[m]!;
    if (added) return;
    const p = this.place[m]!;
    for (const o of this.groupOf[m]!.orderings.values()) {
      if (!o.admits(m)) continue;
      o.heap.push(this.keyOf(o.keys, m), m, v);
      o.pushed[p] = v;
    }
  }

  /**
   * The candidates best first for a unit scored on resources `names`, given
   * `total` (the exact weighted score, which must be decreasing in the used
   * fractions within a group), less the machines `exclusion` leaves out.
   * An exclusion with parts (a room exclusion: one per requested resource)
   * walks the orderings kept for one part and skips the rest itself: units
   * asking different amounts share orderings, and each ordering a placement
   * makes stale costs a re-key when its head comes up (#13's workload asks
   * 30 request vectors but 5 cpu amounts). Lazily yields; must not be
   * iterated across a placement.
   */
  walk(names: readonly string[], candidates: CandidateSet, total: (m: MachineIndex) => number, exclusion?: Exclusion): Iterable<MachineIndex> {
    // A stable candidate set (e.g. "disk=ssd") and an exclusion get orderings of their own, so the walk does not pop past their outsiders.
    const own = candidates.key !== undefined && candidates.key !== '*';
    const kept = own ? candidates : undefined;
    const candidatesKey = own ? candidates.key! : '*';
    const parts = exclusion?.parts;
    let orderings: Ordering[] | undefined;
    if (parts === undefined || parts.length === 0) orderings = this.orderingsFor(names, candidatesKey, exclusion?.key ?? '', () => admitsOf(kept, exclusion));
    else {
      // An exclusion with parts walks the orderings of the part that keeps the fewest entries (the fewest machines to skip), skipping the rest itself.
      let fewest = Infinity;
      for (let i = 0; i < parts.length; i++) {
        const part = parts[i]!;
        const of = this.orderingsFor(names, candidatesKey, part.key, () => admitsOf(kept, part));
        let size = 0;
        for (let j = 0; j < of.length; j++) size += of[j]!.heap.size;
        if (size < fewest) {
          fewest = size;
          orderings = of;
        }
      }
    }
    const buffers = this.spare ?? new WalkBuffers(orderings!.length);
    this.spare = undefined;
    return new Walk(this, orderings!, buffers, kept === undefined && candidates.key !== '*' ? candidates : undefined, parts === undefined || parts.length === 0 ? undefined : exclusion, total);
  }

  /** The orderings (one per group, in `groups` order) of walks for `names`, candidate set key `candidates` and exclusion key `excluding`. */
  private orderingsFor(names: readonly string[], candidates: string, excluding: string, admits: () => (m: MachineIndex) => boolean): Ordering[] {
    // Nested maps of strings the caller already has, not one key text built per walk.
    const namesKey = names.length === 1 ? names[0]! : joinedNames(names);
    let byCandidates = this.byWalk.get(namesKey);
    if (byCandidates === undefined) this.byWalk.set(namesKey, (byCandidates = new Map()));
    let byExclusion = byCandidates.get(candidates);
    if (byExclusion === undefined) byCandidates.set(candidates, (byExclusion = new Map()));
    let orderings = byExclusion.get(excluding);
    if (orderings === undefined) {
      const id = `${namesKey}|${candidates}|${excluding}`;
      const a = admits();
      const keys = this.keysOf(namesKey, names);
      byExclusion.set(excluding, (orderings = this.groups.map((g) => this.orderingOf(g, id, keys, a))));
    }
    return orderings;
  }

  /** The version of machine `m` (see {@link touched}). */
  versionOf(m: MachineIndex): number {
    return this.version[m]!;
  }

  /** Machine `m`'s place in its group (see {@link Ordering.pushed}). */
  placeOf(m: MachineIndex): number {
    return this.place[m]!;
  }

  /**
   * `machines` (candidates with no entry left out) in exactly the order
   * {@link walk} yields them for `names` and `total`: within a group by key
   * then index, the groups merged by `total`, ties by index. For a short
   * list of the caller's; sorts it instead of walking every machine.
   */
  order(names: readonly string[], machines: readonly MachineIndex[], total: (m: MachineIndex) => number): MachineIndex[] {
    const lists = new Map<Group, Array<{ m: MachineIndex; k: number }>>();
    for (const m of machines) {
      const g = this.groupOf[m]!;
      let list = lists.get(g);
      if (list === undefined) lists.set(g, (list = []));
      list.push({ m, k: this.key(m, names) });
    }
    const heads = [...lists.values()].map((list) => {
      list.sort((a, b) => a.k - b.k || a.m - b.m);
      return { list, i: 0, t: total(list[0]!.m) };
    });
    const out: MachineIndex[] = [];
    for (;;) {
      let best: (typeof heads)[number] | undefined;
      for (const h of heads) {
        if (h.i === h.list.length) continue;
        const m = h.list[h.i]!.m;
        if (best === undefined || h.t > best.t || (h.t === best.t && m < best.list[best.i]!.m)) best = h;
      }
      if (best === undefined) return out;
      out.push(best.list[best.i++]!.m);
      if (best.i < best.list.length) best.t = total(best.list[best.i]!.m);
    }
  }

  private orderingOf(g: Group, id: string, keys: Keys, admits: (m: MachineIndex) => boolean): Ordering {
    let o = g.orderings.get(id);
    if (o === undefined) {
      // Room for the group and as many stale copies again (each placement leaves one until it comes up).
      const machines = g.machines;
      o = { heap: new EntryHeap(2 * machines.length), keys, admits, pushed: new Int32Array(machines.length).fill(-1) };
      for (let i = 0; i < machines.length; i++) {
        const m = machines[i]!;
        if (!admits(m)) continue;
        o.heap.append(this.keyOf(keys, m), m, this.version[m]!);
        o.pushed[i] = this.version[m]!;
      }
      o.heap.heapify();
      g.orderings.set(id, o);
    }
    return o;
  }

  /** The keys of `names` (joined: `namesKey`). */
  private keysOf(namesKey: string, names: readonly string[]): Keys {
    let keys = this.keysByNames.get(namesKey);
    if (keys === undefined) this.keysByNames.set(namesKey, (keys = { names, keys: new Float64Array(this.version.length), at: new Int32Array(this.version.length).fill(-1) }));
    return keys;
  }

  /** Machine `m`'s key in `keys` now (read anew once per version). */
  keyOf(keys: Keys, m: MachineIndex): number {
    const v = this.version[m]!;
    if (keys.at[m] === v) return keys.keys[m]!;
    const k = this.key(m, keys.names);
    keys.keys[m] = k;
    keys.at[m] = v;
    return k;
  }

  /** Sum over `names` of the used fraction of `m` (scoring usage / allocatable; resources it lacks add 0: the same for its whole group). */
  private key(m: MachineIndex, names: readonly string[]): number {
    return this.usage.scoringFractionSum(m, names);
  }
}

/** Whether an ordering for candidate set `candidates` (undefined: every machine) less `exclusion` holds machine `m`. */
function admitsOf(candidates: CandidateSet | undefined, exclusion: Exclusion | undefined): (m: MachineIndex) => boolean {
  if (exclusion === undefined) return candidates === undefined ? () => true : (m) => candidates.has(m);
  return candidates === undefined ? (m) => !exclusion.excluded(m) : (m) => candidates.has(m) && !exclusion.excluded(m);
}

/** `names` joined by commas, one text per list (a list is shared by the units asking the same amounts, see `ranker.ts`): not one built and hashed per walk. */
function joinedNames(names: readonly string[]): string {
  let key = namesKeys.get(names);
  if (key === undefined) namesKeys.set(names, (key = names.join(',')));
  return key;
}

const namesKeys = new WeakMap<readonly string[], string>();

/** Per-walk working arrays, reused by the next walk once one finishes (a 100,000-unit pass walks once per unit). */
class WalkBuffers {
  /** Per ordering: the machine of its first usable entry (-1: none), and that machine's total. */
  readonly headM: Int32Array;
  readonly headT: Float64Array;
  // Entries taken out of a heap during the walk (yielded or not candidates), pushed back at the end: heap, key, machine, version.
  // Typed and kept between walks (a walk usually holds one or two): no allocation per walk, keys unboxed.
  held = 0;
  heldHeaps: EntryHeap[] = [];
  heldKeys = new Float64Array(16);
  heldMachines = new Int32Array(16);
  heldVersions = new Int32Array(16);

  constructor(groups: number) {
    this.headM = new Int32Array(groups);
    this.headT = new Float64Array(groups);
  }

  hold(heap: EntryHeap, m: MachineIndex): void {
    const i = this.held++;
    if (i === this.heldKeys.length) this.grow();
    this.heldHeaps[i] = heap;
    this.heldKeys[i] = heap.k;
    this.heldMachines[i] = m;
    this.heldVersions[i] = heap.v;
  }

  private grow(): void {
    this.heldKeys = doubled(this.heldKeys);
    this.heldMachines = doubled(this.heldMachines);
    this.heldVersions = doubled(this.heldVersions);
  }
}

const DONE: IteratorReturnResult<undefined> = Object.freeze({ value: undefined, done: true });

/**
 * One walk of {@link AllocationOrder.walk}: merges the heads of the groups'
 * orderings by total (ties by index). An iterator object rather than a
 * generator, so a walk allocates no closures; a group's head is advanced
 * only when the next machine is asked for (most units take the first).
 */
class Walk implements Iterator<MachineIndex>, Iterable<MachineIndex> {
  /** Ordering whose head was handed out last and is still on top of its heap (taken out when the walk goes on); -1: none; -2: not started. */
  private last = -2;

  constructor(
    private readonly order: AllocationOrder,
    private readonly orderings: readonly Ordering[],
    private buffers: WalkBuffers | undefined,
    /** The candidate set when it has no orderings of its own (its outsiders are skipped), else undefined. */
    private readonly candidates: CandidateSet | undefined,
    /** An exclusion whose part's orderings the walk uses: the machines it leaves out besides are skipped here (undefined: none). */
    private readonly check: Exclusion | undefined,
    private readonly total: (m: MachineIndex) => number,
  ) {}

  [Symbol.iterator](): Iterator<MachineIndex> {
    return this;
  }

  next(): IteratorResult<MachineIndex> {
    const b = this.buffers;
    if (b === undefined) return DONE;
    const n = this.orderings.length;
    if (this.last === -2) for (let i = 0; i < n; i++) this.advance(b, i);
    else if (this.last >= 0) {
      const heap = this.orderings[this.last]!.heap;
      b.hold(heap, heap.m);
      heap.pop();
      this.advance(b, this.last);
    }
    const headM = b.headM;
    const headT = b.headT;
    let best = -1;
    for (let i = 0; i < n; i++) {
      const m = headM[i]!;
      if (m < 0) continue;
      if (best < 0 || headT[i]! > headT[best]! || (headT[i] === headT[best] && m < headM[best]!)) best = i;
    }
    if (best < 0) {
      this.finish();
      return DONE;
    }
    // Left on top of its heap: most walks end here, and nothing is taken out or pushed back.
    this.last = best;
    return { value: headM[best]!, done: false };
  }

  return(): IteratorResult<MachineIndex> {
    this.finish();
    return DONE;
  }

  /** Pushes back the entries taken out that are still current, and hands the buffers to the next walk. */
  private finish(): void {
    const b = this.buffers;
    if (b === undefined) return;
    this.buffers = undefined;
    const order = this.order;
    for (let i = 0; i < b.held; i++) {
      const m = b.heldMachines[i]!;
      const v = b.heldVersions[i]!;
      if (v === order.versionOf(m)) b.heldHeaps[i]!.push(b.heldKeys[i]!, m, v);
    }
    b.held = 0;
    if (b.headM.length === this.orderings.length) order.spare = b;
  }

  /**
   * Leaves the first usable entry of ordering `i`'s heap on top (without
   * taking it out) and scores it. A current entry needs no exclusion check:
   * each was admitted at its machine's version (when pushed, re-keyed or
   * built), and what an exclusion leaves out changes only with that version.
   */
  private advance(b: WalkBuffers, i: number): void {
    const o = this.orderings[i]!;
    const heap = o.heap;
    const order = this.order;
    const candidates = this.candidates;
    const check = this.check;
    while (heap.size > 0) {
      const m = heap.m;
      const v = order.versionOf(m);
      if (heap.v !== v) {
        // Stale: re-keyed in place, once (see `touched`), or dropped.
        const p = order.placeOf(m);
        if (o.pushed[p] !== v && o.admits(m)) {
          heap.replaceTop(order.keyOf(o.keys, m), m, v);
          o.pushed[p] = v;
        } else heap.pop();
      }
      else if ((candidates !== undefined && !candidates.has(m)) || (check !== undefined && check.excluded(m))) {
        b.hold(heap, m);
        heap.pop();
      } else {
        b.headM[i] = m;
        b.headT[i] = this.total(m);
        return;
      }
    }
    b.headM[i] = -1;
  }
}

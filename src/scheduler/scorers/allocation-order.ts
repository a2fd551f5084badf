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
import { Heap } from '../heap.js';

interface Entry {
  readonly k: number;
  readonly m: MachineIndex;
  /** The machine's version when pushed; an older one is stale. */
  readonly v: number;
}

/** Entries by (k, m) ascending; stale entries are dropped lazily. */
const entryHeap = (): Heap<Entry> => new Heap<Entry>((a, b) => a.k < b.k || (a.k === b.k && a.m < b.m));

/** One kept order within a group: its machines (a candidate set, less excluded machines) by key for one set of resource names. */
interface Ordering {
  readonly heap: Heap<Entry>;
  readonly names: readonly string[];
  /** False for machines this ordering leaves out (not pushed when touched). */
  readonly admits: (m: MachineIndex) => boolean;
}

/** One shape (and spreadBy value): its machines and its orderings, by names, candidate set and exclusion. */
interface Group {
  readonly machines: readonly MachineIndex[];
  readonly orderings: Map<string, Ordering>;
}

/** `spread`'s machine order, kept up to date as units are placed. */
export class AllocationOrder {
  private readonly groups: Group[] = [];
  private readonly groupOf: Group[];
  private readonly version: number[];

  /** `groupKey`: an extra per-machine value the order must not mix (the spreadBy value), or undefined. */
  constructor(
    machines: readonly MachineInfo[],
    private readonly usage: ResourceUsage,
    groupKey: ((m: MachineInfo) => string) | undefined,
  ) {
    const byKey = new Map<string, MachineIndex[]>();
    for (const m of machines) {
      const cap = Object.entries(m.capacity ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      const key = JSON.stringify([cap, groupKey?.(m) ?? '']);
      let list = byKey.get(key);
      if (list === undefined) byKey.set(key, (list = []));
      list.push(m.index);
    }
    this.groupOf = new Array<Group>(machines.length);
    for (const list of byKey.values()) {
      const g: Group = { machines: list, orderings: new Map() };
      this.groups.push(g);
      for (const m of list) this.groupOf[m] = g;
    }
    this.version = machines.map(() => 0);
  }

  /** Number of groups (shapes x spreadBy values). */
  get groupCount(): number {
    return this.groups.length;
  }

  /** The units on machine `m` changed (call after every add and remove): re-key it in every ordering of its group that admits it. */
  touched(m: MachineIndex): void {
    const v = ++this.version[m]!;
    for (const o of this.groupOf[m]!.orderings.values()) if (o.admits(m)) o.heap.push({ k: this.key(m, o.names), m, v });
  }

  /**
   * The candidates best first for a unit scored on resources `names`, given
   * `total` (the exact weighted score, which must be decreasing in the used
   * fractions within a group), less the machines `exclusion` leaves out.
   * Lazily yields; must not be iterated across a placement.
   */
  *walk(names: readonly string[], candidates: CandidateSet, total: (m: MachineIndex) => number, exclusion?: Exclusion): Generator<MachineIndex> {
    // A stable candidate set (e.g. "disk=ssd") and an exclusion get orderings of their own, so the walk does not pop past their outsiders.
    const own = candidates.key !== undefined && candidates.key !== '*';
    const id = `${names.join(',')}|${own ? candidates.key : '*'}|${exclusion?.key ?? ''}`;
    const admits =
      exclusion === undefined ? (own ? (m: MachineIndex) => candidates.has(m) : () => true) : own ? (m: MachineIndex) => candidates.has(m) && !exclusion.excluded(m) : (m: MachineIndex) => !exclusion.excluded(m);
    const heads: Array<{ heap: Heap<Entry>; head: Entry | undefined; t: number }> = [];
    const held: Array<{ heap: Heap<Entry>; e: Entry }> = [];
    const advance = (h: { heap: Heap<Entry>; head: Entry | undefined; t: number }): void => {
      for (;;) {
        const e = h.heap.pop();
        if (e === undefined) {
          h.head = undefined;
          return;
        }
        if (e.v !== this.version[e.m]) continue; // stale: dropped for good
        // Excluded now: dropped, and pushed again when the machine changes (`touched`).
        if (exclusion !== undefined && exclusion.excluded(e.m)) continue;
        held.push({ heap: h.heap, e });
        if (!own && !candidates.has(e.m)) continue;
        h.head = e;
        h.t = total(e.m);
        return;
      }
    };
    try {
      for (const g of this.groups) {
        const h = { heap: this.heapOf(g, id, names, admits), head: undefined as Entry | undefined, t: 0 };
        advance(h);
        if (h.head !== undefined) heads.push(h);
      }
      for (;;) {
        let best: (typeof heads)[number] | undefined;
        for (const h of heads) {
          if (h.head === undefined) continue;
          if (best === undefined || h.t > best.t || (h.t === best.t && h.head.m < best.head!.m)) best = h;
        }
        if (best === undefined) return;
        const m = best.head!.m;
        advance(best);
        yield m;
      }
    } finally {
      for (const { heap, e } of held) if (e.v === this.version[e.m]) heap.push(e);
    }
  }

  private heapOf(g: Group, id: string, names: readonly string[], admits: (m: MachineIndex) => boolean): Heap<Entry> {
    let o = g.orderings.get(id);
    if (o === undefined) {
      o = { heap: entryHeap(), names, admits };
      for (const m of g.machines) if (admits(m)) o.heap.push({ k: this.key(m, names), m, v: this.version[m]! });
      g.orderings.set(id, o);
    }
    return o.heap;
  }

  /** Sum over `names` of the used fraction of `m` (scoring usage / allocatable; resources it lacks add 0: the same for its whole group). */
  private key(m: MachineIndex, names: readonly string[]): number {
    let k = 0;
    for (const name of names) {
      const alloc = this.usage.allocatable(m, name);
      if (alloc > 0) k += this.usage.scoringUsed(m, name) / alloc;
    }
    return k;
  }
}

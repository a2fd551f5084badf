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
import type { CandidateSet } from '../candidates.js';

interface Entry {
  readonly k: number;
  readonly m: MachineIndex;
  /** The machine's version when pushed; an older one is stale. */
  readonly v: number;
}

/** A binary heap of entries by (k, m) ascending, with lazy deletion of stale entries. */
class EntryHeap {
  readonly items: Entry[] = [];

  push(e: Entry): void {
    const a = this.items;
    a.push(e);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!less(a[i]!, a[p]!)) break;
      [a[i], a[p]] = [a[p]!, a[i]!];
      i = p;
    }
  }

  pop(): Entry | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (a.length > 0 && last !== undefined) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= a.length) break;
        const r = l + 1;
        const c = r < a.length && less(a[r]!, a[l]!) ? r : l;
        if (!less(a[c]!, a[i]!)) break;
        [a[i], a[c]] = [a[c]!, a[i]!];
        i = c;
      }
    }
    return top;
  }
}

function less(a: Entry, b: Entry): boolean {
  return a.k < b.k || (a.k === b.k && a.m < b.m);
}

/** One shape (and spreadBy value): its machines and, per set of resource names, their heap. */
interface Group {
  readonly machines: readonly MachineIndex[];
  readonly heaps: Map<string, EntryHeap>;
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
      const g: Group = { machines: list, heaps: new Map() };
      this.groups.push(g);
      for (const m of list) this.groupOf[m] = g;
    }
    this.version = machines.map(() => 0);
  }

  /** Number of groups (shapes x spreadBy values). */
  get groupCount(): number {
    return this.groups.length;
  }

  /** Machine `m`'s scoring usage changed: re-key it in every heap of its group. */
  touched(m: MachineIndex): void {
    const v = ++this.version[m]!;
    for (const [names, heap] of this.groupOf[m]!.heaps) heap.push({ k: this.key(m, names.split(',')), m, v });
  }

  /**
   * The candidates best first for a unit scored on resources `names`, given
   * `total` (the exact weighted score, which must be decreasing in the used
   * fractions within a group). Lazily yields; must not be iterated across a placement.
   */
  *walk(names: readonly string[], candidates: CandidateSet, total: (m: MachineIndex) => number): Generator<MachineIndex> {
    const id = names.join(',');
    const heads: Array<{ heap: EntryHeap; head: Entry | undefined; t: number }> = [];
    const held: Array<{ heap: EntryHeap; e: Entry }> = [];
    const advance = (h: { heap: EntryHeap; head: Entry | undefined; t: number }): void => {
      for (;;) {
        const e = h.heap.pop();
        if (e === undefined) {
          h.head = undefined;
          return;
        }
        if (e.v !== this.version[e.m]) continue; // stale: dropped for good
        held.push({ heap: h.heap, e });
        if (!candidates.has(e.m)) continue;
        h.head = e;
        h.t = total(e.m);
        return;
      }
    };
    try {
      for (const g of this.groups) {
        const h = { heap: this.heapOf(g, id, names), head: undefined as Entry | undefined, t: 0 };
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

  private heapOf(g: Group, id: string, names: readonly string[]): EntryHeap {
    let heap = g.heaps.get(id);
    if (heap === undefined) {
      heap = new EntryHeap();
      for (const m of g.machines) heap.push({ k: this.key(m, names), m, v: this.version[m]! });
      g.heaps.set(id, heap);
    }
    return heap;
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

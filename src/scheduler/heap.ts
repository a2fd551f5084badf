/**
 * Binary min-heaps. {@link MinHeap} holds non-negative integers (unit
 * ranks): the topological placement order and the pending-unit queue, both
 * of which must always hand out the lowest rank first. {@link Heap} holds
 * anything, ordered by a `before` function (preemption's victim search).
 */
export class Heap<T> {
  private readonly items: T[] = [];

  /** `before(a, b)`: true when `a` must come out before `b`. */
  constructor(private readonly before: (a: T, b: T) => boolean) {}

  /** Number of items held. */
  get size(): number {
    return this.items.length;
  }

  /** Adds `value` (duplicates allowed). */
  push(value: T): void {
    const a = this.items;
    a.push(value);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.before(value, a[p]!)) break;
      a[i] = a[p]!;
      i = p;
    }
    a[i] = value;
  }

  /** Removes and returns the first item; undefined when empty. */
  pop(): T | undefined {
    const a = this.items;
    if (a.length === 0) return undefined;
    const top = a[0]!;
    const last = a.pop()!;
    if (a.length > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= a.length) break;
        const r = l + 1;
        const c = r < a.length && this.before(a[r]!, a[l]!) ? r : l;
        if (!this.before(a[c]!, last)) break;
        a[i] = a[c]!;
        i = c;
      }
      a[i] = last;
    }
    return top;
  }
}

/**
 * A heap of non-negative integers below 2^31, smallest first, in a typed
 * array (no closure call per comparison, no boxed numbers): the pending
 * queue pushes and pops every unit of a pass.
 */
export class MinHeap {
  private items = new Int32Array(64);
  private count = 0;

  /** Number of items held. */
  get size(): number {
    return this.count;
  }

  /** Adds `value` (duplicates allowed). */
  push(value: number): void {
    if (this.count === this.items.length) {
      const grown = new Int32Array(this.items.length * 2);
      grown.set(this.items);
      this.items = grown;
    }
    const a = this.items;
    let i = this.count++;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const pv = a[p]!;
      if (pv <= value) break;
      a[i] = pv;
      i = p;
    }
    a[i] = value;
  }

  /** Removes and returns the smallest item; undefined when empty. */
  pop(): number | undefined {
    if (this.count === 0) return undefined;
    const a = this.items;
    const top = a[0]!;
    const n = --this.count;
    if (n > 0) {
      const last = a[n]!;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        const c = r < n && a[r]! < a[l]! ? r : l;
        const cv = a[c]!;
        if (cv >= last) break;
        a[i] = cv;
        i = c;
      }
      a[i] = last;
    }
    return top;
  }
}

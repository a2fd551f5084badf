/**
 * Which machines have room for a unit's requests, without visiting the
 * others: on a full cluster most machines cannot take a unit, and an
 * ordered walk (`scorers/allocation-order.ts`) would visit hundreds of them
 * before reaching one that can (a preempted victim looking for a new
 * machine walked ~780 of 5,000 on average).
 *
 * Per resource, a max segment tree over the machines of what each can still
 * give (`free`; -Infinity for an over-committed machine, which takes
 * nothing new). A subtree whose best machine has less of some requested
 * resource free than asked holds no machine with room and is skipped; a
 * leaf is exactly the Resources filter's answer (`hasRoom` in `filters/resources.ts`). Trees
 * are built per resource name on first use and kept up to date by
 * {@link changed} (the placement state calls it after every add and
 * remove). Private to one planning pass.
 */
import type { MachineIndex } from './model.js';
import type { ResourceUsageView } from './resource-usage.js';

/** Requests as a unit carries them: resource name and amount in fixed units. */
type Requests = ReadonlyArray<readonly [string, number]>;

export class RoomIndex {
  /** Leaves start here (a power of two >= the machine count); node i's children are 2i and 2i+1. */
  private readonly leaves: number;
  private readonly trees = new Map<string, Float64Array>();

  constructor(
    private readonly usage: ResourceUsageView,
    private readonly count: number,
  ) {
    let leaves = 1;
    while (leaves < count) leaves *= 2;
    this.leaves = leaves;
  }

  /**
   * The machines (ascending) that are not over-committed and have every
   * request of `requests` free, or undefined once more than `limit` do
   * (the caller then walks its usual order, where such machines are
   * common). Undefined for no requests: every machine not over-committed.
   */
  withRoom(requests: Requests, limit: number): MachineIndex[] | undefined {
    const trees: Float64Array[] = [];
    const needs: number[] = [];
    for (const [name, need] of requests) {
      trees.push(this.tree(name));
      needs.push(need);
    }
    if (trees.length === 0) return undefined;
    const out: MachineIndex[] = [];
    const stack = [1];
    while (stack.length > 0) {
      const node = stack.pop()!;
      let fits = true;
      for (let i = 0; i < trees.length; i++) {
        // An over-committed machine, or a leaf past the last machine, holds -Infinity: no room.
        if (trees[i]![node]! < needs[i]!) {
          fits = false;
          break;
        }
      }
      if (!fits) continue;
      if (node >= this.leaves) {
        out.push(node - this.leaves);
        if (out.length > limit) return undefined;
        continue;
      }
      // Right child first, so the left one is popped first: machines come out ascending.
      stack.push(2 * node + 1, 2 * node);
    }
    return out;
  }

  /** Machine `m`'s usage changed: its leaves and their ancestors are re-read. */
  changed(m: MachineIndex): void {
    for (const [name, tree] of this.trees) {
      let node = this.leaves + m;
      tree[node] = this.value(m, name);
      for (node >>= 1; node >= 1; node >>= 1) {
        const l = tree[2 * node]!;
        const r = tree[2 * node + 1]!;
        tree[node] = l > r ? l : r;
      }
    }
  }

  /** What `m` can still give of `name` for a new unit: -Infinity when it is over-committed. */
  private value(m: MachineIndex, name: string): number {
    return this.usage.overcommitted(m) !== undefined ? -Infinity : this.usage.free(m, name);
  }

  private tree(name: string): Float64Array {
    let tree = this.trees.get(name);
    if (tree === undefined) {
      tree = new Float64Array(2 * this.leaves).fill(-Infinity);
      for (let m = 0; m < this.count; m++) tree[this.leaves + m] = this.value(m, name);
      for (let node = this.leaves - 1; node >= 1; node--) tree[node] = Math.max(tree[2 * node]!, tree[2 * node + 1]!);
      this.trees.set(name, tree);
    }
    return tree;
  }
}

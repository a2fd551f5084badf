import { machinePosition, type MachineIndex } from '../model.js';
import type { Exclusion } from '../candidates.js';

/**
 * Machines ordered by (load, index) for the least-loaded ranking, kept up to
 * date as units are placed so each placement walks from the least-loaded
 * machine instead of sorting all machines. One bucket queue is kept per
 * stable candidate-set key (all machines, "region=eu", ...), created on first
 * use; a load change updates every queue the machine belongs to.
 */
export interface LoadOrderView {
  /** Units currently on `m`. */
  load(m: MachineIndex): number;
  /** The highest load of any machine (0 when there are none). */
  most(): number;
  /**
   * `machines` (the members of the set named `key`) by ascending load, then
   * index, less those `exclusion` leaves out. Do not place while iterating.
   */
  walk(key: string, machines: readonly MachineIndex[], exclusion?: Exclusion): Iterable<MachineIndex>;
}

/** Mutable {@link LoadOrderView}. */
export class LoadOrder implements LoadOrderView {
  private readonly loads: number[];
  private readonly queues = new Map<string, BucketQueue>();
  private readonly memberships: BucketQueue[][];
  /** load -> how many machines have it. */
  private readonly counts: number[];
  private highest = 0;

  constructor(machineCount: number) {
    this.loads = new Array<number>(machineCount).fill(0);
    this.counts = [machineCount];
    this.memberships = Array.from({ length: machineCount }, () => []);
  }

  load(m: MachineIndex): number {
    return this.loads[m]!;
  }

  most(): number {
    return this.highest;
  }

  /** Changes `m`'s load by `delta` (after the units on `m` changed: exclusions are asked again). */
  adjust(m: MachineIndex, delta: number): void {
    const before = this.loads[m]!;
    const after = before + delta;
    this.loads[m] = after;
    this.counts[before]!--;
    this.counts[after] = (this.counts[after] ?? 0) + 1;
    if (after > this.highest) this.highest = after;
    while (this.highest > 0 && !this.counts[this.highest]) this.highest--;
    for (const q of this.memberships[m]!) q.move(m, before, after);
  }

  walk(key: string, machines: readonly MachineIndex[], exclusion?: Exclusion): Iterable<MachineIndex> {
    const id = exclusion === undefined ? key : `${key}|${exclusion.key}`;
    let q = this.queues.get(id);
    if (q === undefined) {
      q = new BucketQueue(exclusion);
      for (const m of machines) {
        q.append(m, this.loads[m]!);
        this.memberships[m]!.push(q);
      }
      this.queues.set(id, q);
    }
    return q;
  }
}

/** Buckets by load; each bucket holds ascending machine indices, the members `exclusion` (if any) does not leave out. */
class BucketQueue implements Iterable<MachineIndex> {
  private readonly buckets: MachineIndex[][] = [];
  /** With an exclusion: the members left out now. */
  private readonly out: Set<MachineIndex> | undefined;

  constructor(private readonly exclusion: Exclusion | undefined) {
    this.out = exclusion === undefined ? undefined : new Set();
  }

  /** Adds member `m`, which must be greater than every index already in its bucket. */
  append(m: MachineIndex, load: number): void {
    if (this.exclusion?.excluded(m) === true) this.out!.add(m);
    else this.bucket(load).push(m);
  }

  /** Member `m`'s load went from `from` to `to`, and what runs on it changed. */
  move(m: MachineIndex, from: number, to: number): void {
    const wasIn = this.out === undefined || !this.out.has(m);
    const isIn = this.exclusion === undefined || !this.exclusion.excluded(m);
    // splice moves the tail natively (a JS loop was several times slower on buckets of hundreds).
    if (wasIn) {
      const src = this.bucket(from);
      src.splice(machinePosition(src, m), 1);
    }
    if (isIn) {
      const dst = this.bucket(to);
      dst.splice(machinePosition(dst, m), 0, m);
    }
    if (wasIn !== isIn) {
      if (isIn) this.out!.delete(m);
      else this.out!.add(m);
    }
  }

  // Index loops: a for-of per bucket would allocate an iterator for each (mostly empty) bucket below the lowest load.
  *[Symbol.iterator](): Iterator<MachineIndex> {
    const buckets = this.buckets;
    for (let i = 0; i < buckets.length; i++) {
      const b = buckets[i]!;
      for (let j = 0; j < b.length; j++) yield b[j]!;
    }
  }

  private bucket(load: number): MachineIndex[] {
    while (this.buckets.length <= load) this.buckets.push([]);
    return this.buckets[load]!;
  }
}

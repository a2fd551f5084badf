import type { MachineIndex } from './model.js';

/**
 * A set of candidate machines produced by pre-filters. `key` is set when the
 * set depends only on machine data that is fixed for the whole pass (for
 * example "machines with region=eu"), which lets the ranking keep a
 * load-ordered index per key instead of sorting on every placement.
 */
export interface CandidateSet {
  /** Ascending machine indices. */
  readonly machines: readonly MachineIndex[];
  /** Stable cache key; undefined for a set that depends on current placements or is too small to be worth indexing (sorted on use). */
  readonly key: string | undefined;
  /** True when `m` is in the set. */
  has(m: MachineIndex): boolean;
}

/**
 * Machines an ordered walk leaves out, for as long as nothing on them
 * changes: a unit's walk may skip machines a filter rejects for reasons
 * only an add or remove on that machine can change (e.g. Conflicts). The
 * walk keeps an order of its own per key, so walks with the same `key`
 * must have the same `excluded`.
 */
export interface Exclusion {
  readonly key: string;
  excluded(m: MachineIndex): boolean;
  /**
   * Coarser exclusions, each leaving out only machines this one leaves out
   * (a room exclusion's, one per requested resource), or undefined: a walk
   * may use the order kept for one of them and skip the rest of this one's
   * machines itself, so that units asking different amounts share orders.
   */
  readonly parts?: readonly Exclusion[];
}

/** Machines either exclusion leaves out (undefined when neither is given). */
export function joinExclusions(a: Exclusion | undefined, b: Exclusion | undefined): Exclusion | undefined {
  if (a === undefined || b === undefined) return a ?? b;
  return { key: joinedKey(a.key, b.key), excluded: (m) => a.excluded(m) || b.excluded(m) };
}

/**
 * `a&b`, one text per pair of keys: a walk looks its order up by this key,
 * and a text built per walk is hashed anew on every lookup. Emptied past
 * {@link MAX_JOINED_KEYS} pairs.
 */
function joinedKey(a: string, b: string): string {
  let byB = joinedKeys.get(a);
  if (byB === undefined) {
    if (joinedKeys.size >= MAX_JOINED_KEYS) joinedKeys.clear();
    joinedKeys.set(a, (byB = new Map()));
  }
  let key = byB.get(b);
  if (key === undefined) byB.set(b, (key = `${a}&${b}`));
  return key;
}

const joinedKeys = new Map<string, Map<string, string>>();
const MAX_JOINED_KEYS = 10_000;

class ListCandidates implements CandidateSet {
  private members: Set<MachineIndex> | undefined;
  constructor(
    readonly machines: readonly MachineIndex[],
    readonly key: string | undefined,
  ) {}
  has(m: MachineIndex): boolean {
    this.members ??= new Set(this.machines);
    return this.members.has(m);
  }
}

class AllCandidates implements CandidateSet {
  readonly key = '*';
  readonly machines: readonly MachineIndex[];
  constructor(private readonly count: number) {
    this.machines = Array.from({ length: count }, (_, i) => i);
  }
  has(m: MachineIndex): boolean {
    return m >= 0 && m < this.count;
  }
}

/** Every machine of a pass with `count` machines; its key is `'*'`. */
export function allCandidates(count: number): CandidateSet {
  return new AllCandidates(count);
}

/** A candidate set from ascending, duplicate-free indices; `key` as in {@link CandidateSet}. */
export function candidateList(machines: readonly MachineIndex[], key?: string): CandidateSet {
  return new ListCandidates(machines, key);
}

/** Machines in both sets. The result keeps a stable key only when one side is "all machines". */
export function intersectCandidates(a: CandidateSet, b: CandidateSet): CandidateSet {
  if (a.key === '*') return b;
  if (b.key === '*') return a;
  if (a.key !== undefined && a.key === b.key) return a;
  const out: MachineIndex[] = [];
  const x = a.machines;
  const y = b.machines;
  let i = 0;
  let j = 0;
  while (i < x.length && j < y.length) {
    if (x[i]! === y[j]!) {
      out.push(x[i]!);
      i++;
      j++;
    } else if (x[i]! < y[j]!) i++;
    else j++;
  }
  return new ListCandidates(out, undefined);
}

/**
 * The normalising ranker: candidates in the order they are tried, by the
 * weighted mean of every scorer's 0..100 score (highest first), ties by
 * machine id (the machine index order).
 *
 * Fast path: when the only dense scorer is least-loaded (fleet's policy, the
 * default), the dense order is exactly the least-loaded order the bucket
 * queues in `load-order.ts` keep up to date, so no machine is scored; the few
 * machines sparse scorers favour are scored and merged into that order.
 * Otherwise every candidate is scored once and handed out best first from a
 * heap (most placements take the first or second machine).
 */
import type { MachineIndex, PlanUnit } from '../model.js';
import type { PlacementView } from '../state.js';
import type { CandidateSet } from '../candidates.js';
import type { WeightedScorer } from './scorer.js';
import { candidateList, joinExclusions, type Exclusion } from '../candidates.js';
import { leastLoaded } from './least-loaded.js';
import { leastAllocated } from './least-allocated.js';

/**
 * `candidates` best first for `unit`. Must not be iterated across a
 * placement. `exclusion`: machines the caller's filters reject anyway,
 * which an ordered walk may leave out (the rest keep their order).
 * `only`: a short list of the candidates (ascending), to hand out in the
 * order the candidates would be, without visiting the others. `rejects`:
 * machines the caller's filters reject now, which may be left out unscored
 * (the rest keep their order); an ordered walk leaves them out as it does
 * `exclusion`'s, so they must stay rejected until a unit leaves them.
 */
export function rankCandidates(
  unit: PlanUnit,
  candidates: CandidateSet,
  view: PlacementView,
  scorers: readonly WeightedScorer[],
  exclusion?: Exclusion,
  only?: readonly MachineIndex[],
  rejects?: Exclusion,
): Iterable<MachineIndex> {
  const { dense, sparse, leastLoadedOnly } = split(scorers);
  const member = only === undefined ? candidates : candidateList(only);
  let favoured: ReadonlySet<MachineIndex> = NONE;
  for (let i = 0; i < sparse.length; i++) {
    const list = sparse[i]!.scorer.favoured!(unit, view);
    for (let j = 0; j < list.length; j++) {
      const m = list[j]!;
      if (!member.has(m)) continue;
      if (favoured === NONE) favoured = new Set<MachineIndex>();
      (favoured as Set<MachineIndex>).add(m);
    }
  }
  const total = (m: MachineIndex): number => {
    let t = 0;
    for (let i = 0; i < dense.length; i++) t += dense[i]!.weight * dense[i]!.scorer.score(unit, m, view);
    if (favoured.has(m)) for (let i = 0; i < sparse.length; i++) t += sparse[i]!.weight * sparse[i]!.scorer.score(unit, m, view);
    return t;
  };
  if (leastLoadedOnly) {
    const walk = only !== undefined ? byLoad(only, view) : leastLoadedWalk(candidates, view, exclusion);
    if (favoured.size === 0) return walk;
    return mergeFavoured(byTotal([...favoured], total), walk, favoured, total);
  }
  const groupBy = spreadGroups(unit, candidates, view, dense);
  if (groupBy !== false) {
    const names = scoredNames(unit.scoreRequests);
    const order = view.allocationOrder(groupBy);
    const walk = only !== undefined ? order.order(names, only, total) : order.walk(names, candidates, total, joinExclusions(exclusion, rejects));
    if (favoured.size === 0) return walk;
    return mergeFavoured(byTotal([...favoured], total), walk, favoured, total);
  }
  const machines = only ?? candidates.machines;
  return bestFirst(rejects === undefined ? machines : machines.filter((m) => !rejects.excluded(m)), total);
}

const NONE: ReadonlySet<MachineIndex> = new Set();

/** The resource names of scoring requests, one list per requests value (units asking the same amounts share it): no list per placement. */
const namesByRequests = new WeakMap<PlanUnit['scoreRequests'], readonly string[]>();

function scoredNames(requests: PlanUnit['scoreRequests']): readonly string[] {
  let list = namesByRequests.get(requests);
  if (list === undefined) namesByRequests.set(requests, (list = requests.map(([name]) => name)));
  return list;
}

/** Dense and sparse scorers of a pipeline, and whether least-loaded is the only dense one (memoised per scorer list). */
interface Split {
  readonly dense: readonly WeightedScorer[];
  readonly sparse: readonly WeightedScorer[];
  readonly leastLoadedOnly: boolean;
}
const splits = new WeakMap<readonly WeightedScorer[], Split>();

function split(scorers: readonly WeightedScorer[]): Split {
  let s = splits.get(scorers);
  if (s === undefined) {
    const dense = scorers.filter((w) => w.scorer.favoured === undefined);
    const sparse = scorers.filter((w) => w.scorer.favoured !== undefined);
    splits.set(scorers, (s = { dense, sparse, leastLoadedOnly: dense.length === 1 && dense[0]!.scorer === leastLoaded }));
  }
  return s;
}

/**
 * Whether `spread` with requests can be walked in its kept order
 * (`allocation-order.ts`) instead of scoring every candidate: its dense
 * scorers are least-allocated plus scorers that group machines by one
 * metadata key, the unit is scored on something, and the candidates are
 * not a small part of the cluster (the walk would skip most machines).
 * Returns the grouping key (undefined: none), or false.
 */
function spreadGroups(unit: PlanUnit, candidates: CandidateSet, view: PlacementView, dense: readonly WeightedScorer[]): string | undefined | false {
  if (unit.scoreRequests.length === 0 || candidates.machines.length * 8 < view.machines.length || candidates.machines.length < 64) return false;
  if (!dense.some((s) => s.scorer === leastAllocated)) return false;
  let key: string | undefined;
  for (const s of dense) {
    if (s.scorer === leastAllocated) continue;
    if (s.scorer.groupsBy === undefined || (key !== undefined && key !== s.scorer.groupsBy)) return false;
    key = s.scorer.groupsBy;
  }
  return key;
}

/** Candidates by ascending load, then index: descending least-loaded score. */
function leastLoadedWalk(candidates: CandidateSet, view: PlacementView, exclusion: Exclusion | undefined): Iterable<MachineIndex> {
  if (candidates.key !== undefined) return view.loads.walk(candidates.key, candidates.machines, exclusion);
  return byLoad(candidates.machines, view);
}

function byLoad(machines: readonly MachineIndex[], view: PlacementView): MachineIndex[] {
  return [...machines].sort((a, b) => view.loads.load(a) - view.loads.load(b) || a - b);
}

function byTotal(machines: MachineIndex[], total: (m: MachineIndex) => number): Array<{ m: MachineIndex; t: number }> {
  return machines.map((m) => ({ m, t: total(m) })).sort((a, b) => b.t - a.t || a.m - b.m);
}

/** Merges the scored favoured machines into `walk` (already best first, favoured ones skipped there). */
function* mergeFavoured(
  favouredList: ReadonlyArray<{ m: MachineIndex; t: number }>,
  walk: Iterable<MachineIndex>,
  favoured: ReadonlySet<MachineIndex>,
  total: (m: MachineIndex) => number,
): Iterable<MachineIndex> {
  let i = 0;
  for (const m of walk) {
    if (favoured.has(m)) continue;
    if (i < favouredList.length) {
      const t = total(m);
      while (i < favouredList.length && (favouredList[i]!.t > t || (favouredList[i]!.t === t && favouredList[i]!.m < m))) yield favouredList[i++]!.m;
    }
    yield m;
  }
  while (i < favouredList.length) yield favouredList[i++]!.m;
}

/** Every machine scored once, handed out by descending total then ascending index, lazily (a binary heap). */
function* bestFirst(machines: readonly MachineIndex[], total: (m: MachineIndex) => number): Iterable<MachineIndex> {
  const heap = machines.map((m) => ({ m, t: total(m) }));
  const better = (a: { m: number; t: number }, b: { m: number; t: number }) => a.t > b.t || (a.t === b.t && a.m < b.m);
  const down = (i: number, n: number) => {
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) return;
      const r = l + 1;
      const c = r < n && better(heap[r]!, heap[l]!) ? r : l;
      if (!better(heap[c]!, heap[i]!)) return;
      [heap[i], heap[c]] = [heap[c]!, heap[i]!];
      i = c;
    }
  };
  for (let i = (heap.length >> 1) - 1; i >= 0; i--) down(i, heap.length);
  for (let n = heap.length; n > 0; n--) {
    yield heap[0]!.m;
    heap[0] = heap[n - 1]!;
    down(0, n - 1);
  }
}

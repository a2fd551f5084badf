/**
 * Chooses a machine for one ordinary unit: pre-filters narrow the
 * candidates, the ranker orders them by weighted score (ties by machine id),
 * and the first machine that passes every filter wins: the best-scored
 * feasible machine, without running every filter on every machine.
 */
import type { MachineIndex, PlanUnit } from './model.js';
import type { PlacementView } from './state.js';
import type { Pipeline } from './pipeline.js';
import { runFilters, type Filter, type FilterName } from './filter.js';
import { intersectCandidates, type CandidateSet } from './candidates.js';
import { rankCandidates } from './scorers/ranker.js';
import { conflictExclusion, conflictsFilter } from './filters/conflicts.js';
import { hasRoom, resourcesFilter, roomExclusion, roomExclusionKey } from './filters/resources.js';

/**
 * The best feasible machine for `unit` in the current state, or undefined
 * when no machine can take it. After the first few machines of the ranked
 * order, a unit with requests ranks only the machines with room for them
 * when those are few (a full cluster, where the order would go on past
 * hundreds of machines without room), in the order the walk would have
 * reached them (`rankCandidates`' `only`): the Resources filter rejects
 * every other machine, so the first feasible machine is the same.
 */
export function selectMachine(unit: PlanUnit, view: PlacementView, pipeline: Pipeline): MachineIndex | undefined {
  const { candidates, applied } = narrowCandidates(unit, view, pipeline);
  if (candidates.machines.length === 0) return undefined;
  // Pre-filters return exactly what their filter accepts: no need to ask twice.
  const filters = applied.length === 0 ? pipeline.filters : filtersBesides(pipeline, applied);
  const exclusion = filters.includes(conflictsFilter) ? conflictExclusion(unit, view) : undefined;
  const checksRoom = unit.requests.length > 0 && filters.includes(resourcesFilter);
  let tries = checksRoom ? TRIES_BEFORE_ROOM : -1;
  // The room exclusion's key only, until a walk needs the exclusion itself (most units take the first machine).
  const roomKey = checksRoom ? roomExclusionKey(unit) : undefined;
  const crowded = roomKey !== undefined && crowdedOn(view).has(roomKey);
  const ranked = rankCandidates(unit, candidates, view, pipeline.scorers, exclusion, undefined, crowded ? roomExclusion(unit, view) : undefined)[Symbol.iterator]();
  try {
    for (let next = ranked.next(); !next.done; next = ranked.next()) {
      if (runFilters(filters, unit, next.value, view).ok) return next.value;
      if (roomKey !== undefined && !crowded && !hasRoom(unit, next.value, view)) crowdedOn(view).add(roomKey);
      if (--tries !== 0) continue;
      const roomy = withRoom(unit, candidates, view);
      if (roomy === undefined) continue;
      ranked.return?.();
      for (const m of rankCandidates(unit, candidates, view, pipeline.scorers, exclusion, roomy)) {
        if (runFilters(filters, unit, m, view).ok) return m;
      }
      return undefined;
    }
    return undefined;
  } finally {
    ranked.return?.();
  }
}

/**
 * Per placement state, the requests (room exclusion keys) a walk has met a
 * machine without room for: later walks for them leave such machines out
 * (`roomExclusion`), in an order kept per requested amount of one resource
 * (the exclusion's parts). Until then a walk uses the order shared by all
 * requests: on a cluster with room to spare, more orders only cost upkeep
 * (every placement makes its machine stale in each).
 */
const crowdedRequests = new WeakMap<PlacementView, Set<string>>();

function crowdedOn(view: PlacementView): Set<string> {
  let keys = crowdedRequests.get(view);
  if (keys === undefined) crowdedRequests.set(view, (keys = new Set()));
  return keys;
}

/** Machines of the ranked order tried before asking which have room (most units take one of the first). */
const TRIES_BEFORE_ROOM = 8;

/** At most this many machines with room are ranked as a list; with more, the walk goes on (they are common in it). */
const FEW_WITH_ROOM = 1024;

/** The candidates (ascending) with room for `unit`'s requests when there are at most {@link FEW_WITH_ROOM}, else undefined. */
function withRoom(unit: PlanUnit, candidates: CandidateSet, view: PlacementView): MachineIndex[] | undefined {
  const room = view.roomIndex().withRoom(unit.requests, FEW_WITH_ROOM);
  if (room === undefined || candidates.key === '*') return room;
  return room.filter((m) => candidates.has(m));
}

/** Per pipeline: the filters left once some pre-filters have run, by the bit set of those pre-filters' positions (no key text per unit). */
const remaining = new WeakMap<Pipeline, Array<readonly Filter[] | undefined>>();

function filtersBesides(pipeline: Pipeline, applied: readonly FilterName[]): readonly Filter[] {
  let byApplied = remaining.get(pipeline);
  if (byApplied === undefined) remaining.set(pipeline, (byApplied = []));
  const pre = pipeline.preFilters;
  let key = 0;
  for (let i = 0; i < pre.length; i++) if (applied.includes(pre[i]!.name)) key |= 1 << i;
  let filters = byApplied[key];
  if (filters === undefined) byApplied[key] = filters = pipeline.filters.filter((f) => !applied.includes(f.name));
  return filters;
}

/** Intersection of every pre-filter's set (all machines when none restricts the unit), and the pre-filters that restricted it. */
export function narrowCandidates(
  unit: PlanUnit,
  view: PlacementView,
  pipeline: Pipeline,
): { candidates: CandidateSet; applied: FilterName[] } {
  let candidates = view.everyMachine;
  const applied: FilterName[] = [];
  for (const pf of pipeline.preFilters) {
    const narrowed = pf.narrow(unit, view);
    if (narrowed === undefined) continue;
    applied.push(pf.name);
    candidates = intersectCandidates(candidates, narrowed);
    if (candidates.machines.length === 0) break;
  }
  return { candidates, applied };
}

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

/** The best feasible machine for `unit` in the current state, or undefined when no machine can take it. */
export function selectMachine(unit: PlanUnit, view: PlacementView, pipeline: Pipeline): MachineIndex | undefined {
  const { candidates, applied } = narrowCandidates(unit, view, pipeline);
  if (candidates.machines.length === 0) return undefined;
  // Pre-filters return exactly what their filter accepts: no need to ask twice.
  const filters = applied.length === 0 ? pipeline.filters : filtersBesides(pipeline, applied);
  const exclusion = filters.includes(conflictsFilter) ? conflictExclusion(unit, view) : undefined;
  for (const m of rankCandidates(unit, candidates, view, pipeline.scorers, exclusion)) {
    if (runFilters(filters, unit, m, view).ok) return m;
  }
  return undefined;
}

/** Per pipeline: the filters left once the named pre-filters have run, by their names joined. */
const remaining = new WeakMap<Pipeline, Map<string, readonly Filter[]>>();

function filtersBesides(pipeline: Pipeline, applied: readonly FilterName[]): readonly Filter[] {
  let byApplied = remaining.get(pipeline);
  if (byApplied === undefined) remaining.set(pipeline, (byApplied = new Map()));
  const key = applied.join(',');
  let filters = byApplied.get(key);
  if (filters === undefined) byApplied.set(key, (filters = pipeline.filters.filter((f) => !applied.includes(f.name))));
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

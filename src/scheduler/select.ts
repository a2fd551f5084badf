/**
 * Chooses a machine for one ordinary unit: pre-filters narrow the
 * candidates, favoured machines are tried first, then the rest in ranking
 * order; the first machine that passes every filter wins.
 */
import type { MachineIndex, PlanUnit } from './model.js';
import type { PlacementView } from './state.js';
import type { Pipeline } from './pipeline.js';
import { runFilters, type FilterName } from './filter.js';
import { intersectCandidates, type CandidateSet } from './candidates.js';

/** The best feasible machine for `unit` in the current state, or undefined when no machine can take it. */
export function selectMachine(unit: PlanUnit, view: PlacementView, pipeline: Pipeline): MachineIndex | undefined {
  const { candidates, applied } = narrowCandidates(unit, view, pipeline);
  if (candidates.machines.length === 0) return undefined;
  // Pre-filters return exactly what their filter accepts: no need to ask twice.
  const filters = applied.length === 0 ? pipeline.filters : pipeline.filters.filter((f) => !applied.includes(f.name));
  const tried = new Set<MachineIndex>();
  const { ranking } = pipeline;
  for (const pref of pipeline.preferences) {
    const favoured = pref
      .favoured(unit, view)
      .filter((m) => candidates.has(m) && !tried.has(m))
      .sort((a, b) => ranking.score(a, view) - ranking.score(b, view) || a - b);
    for (const m of favoured) {
      tried.add(m);
      if (runFilters(filters, unit, m, view).ok) return m;
    }
  }
  for (const m of ranking.walk(candidates, view)) {
    if (tried.size > 0 && tried.has(m)) continue;
    if (runFilters(filters, unit, m, view).ok) return m;
  }
  return undefined;
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

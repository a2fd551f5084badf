/**
 * Explanations of waiting units, kept with a placement state across the
 * passes that share it (`carry.ts`): a machine's answer for a unit depends
 * only on the unit (what its signature covers) and on that machine (its
 * record and the units on it, see `Filter`), so an answer is asked again
 * only on machines whose units changed since (`PlacementState.versionOf`).
 * A settled cluster's waiting units are then explained without running the
 * filters on every machine again.
 */
import type { Filter, Verdict } from './filter.js';
import type { MachineIndex, PlanUnit } from './model.js';
import type { PlacementState } from './state.js';
import { verdictOf } from './filter.js';
import { explainUnplaced, summariseRejections, type Explanation } from './explain.js';

/** One signature's answers: per machine, the answer and the machine's version when it was asked. */
interface Answers {
  readonly filters: readonly Filter[];
  readonly results: Verdict[];
  readonly versions: Int32Array;
}

const bySignature = new WeakMap<PlacementState, Map<string, Answers>>();

/** {@link explainUnplaced} of `unit`, asking again only the machines that changed since a unit with its signature was explained on `state`. */
export function explainKept(unit: PlanUnit, state: PlacementState, filters: readonly Filter[]): Explanation {
  if (unit.signature === undefined) return explainUnplaced(unit, state, filters);
  let cache = bySignature.get(state);
  if (cache === undefined) bySignature.set(state, (cache = new Map()));
  let answers = cache.get(unit.signature);
  if (answers === undefined || !sameFilters(answers.filters, filters)) {
    const n = state.machines.length;
    answers = { filters, results: new Array<Verdict>(n), versions: new Int32Array(n).fill(-1) };
    cache.set(unit.signature, answers);
  }
  const { results, versions } = answers;
  return summariseRejections(unit, state, filters, (m: MachineIndex) => {
    const v = state.versionOf(m);
    if (versions[m] !== v) {
      results[m] = verdictOf(filters, unit, m, state);
      versions[m] = v;
    }
    return results[m]!;
  });
}

function sameFilters(a: readonly Filter[], b: readonly Filter[]): boolean {
  return a === b || (a.length === b.length && a.every((f, i) => f === b[i]));
}

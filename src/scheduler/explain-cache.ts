/**
 * Explanations of waiting units, kept with a placement state across the
 * passes that share it (`carry.ts`): a machine's answer for a unit depends
 * only on the unit (what its signature covers) and on that machine (its
 * record and the units on it, see `Filter`), so an answer is asked again
 * only on machines whose units changed since (`PlacementState.versionOf`).
 * The counts are kept too and updated for the answers that changed; only
 * the texts read from a changed machine (a filter's example, a filter's
 * summary of the machines it rejected) are written again. A settled
 * cluster's waiting units are then explained without running the filters
 * on every machine again, nor counting every machine's answer again.
 */
import type { Filter, Verdict } from './filter.js';
import type { PlanUnit } from './model.js';
import type { PlacementState } from './state.js';
import { filtersFor, verdictOf } from './filter.js';
import { explainUnplaced, explanationOf, retally, tally, touched, type Explanation, type Tally } from './explain.js';

/** One signature's answers: per machine, the answer and the machine's version when it was asked; their tally once made. */
interface Answers {
  readonly filters: readonly Filter[];
  /** The filters that may say "no" to a unit with this signature (`filtersFor`), the ones asked. */
  readonly asked: readonly Filter[];
  readonly results: Verdict[];
  readonly versions: Int32Array;
  tally: Tally | undefined;
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
    answers = { filters, asked: filtersFor(filters, unit, state), results: new Array<Verdict>(n), versions: new Int32Array(n).fill(-1), tally: undefined };
    cache.set(unit.signature, answers);
  }
  const { results, versions, asked } = answers;
  const counted = answers.tally;
  const n = state.machines.length;
  if (counted === undefined) {
    // New answers: each machine is asked as it is counted, in one loop.
    answers.tally = tally(state, (m) => {
      const v = state.versionOf(m);
      if (versions[m] === v) return results[m]!;
      versions[m] = v;
      return (results[m] = verdictOf(asked, unit, m, state));
    });
    return explanationOf(unit, state, filters, answers.tally);
  }
  for (let m = 0; m < n; m++) {
    const v = state.versionOf(m);
    if (versions[m] === v) continue;
    const was = results[m]!;
    const now = verdictOf(asked, unit, m, state);
    results[m] = now;
    versions[m] = v;
    if (sameVerdict(was, now)) touched(counted, m, now);
    else retally(counted, m, was, now);
  }
  return explanationOf(unit, state, filters, counted);
}

/** True when both answers are the same (same filter, kind and constraint for a "no"). */
function sameVerdict(a: Verdict, b: Verdict): boolean {
  if (a === b || (a.ok && b.ok)) return true;
  return !a.ok && !b.ok && a.filter === b.filter && a.kind === b.kind && a.constraint === b.constraint;
}

function sameFilters(a: readonly Filter[], b: readonly Filter[]): boolean {
  return a === b || (a.length === b.length && a.every((f, i) => f === b[i]));
}

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
 *
 * Signatures that differ only in what the last filter asked reads (e.g.
 * their resource requests) share the answers of the filters before it
 * (`Filter.key`); when those say "no" on every machine, the last filter is
 * never reached and they share the whole explanation.
 */
import type { Filter, Verdict } from './filter.js';
import type { MachineIndex, PlanUnit } from './model.js';
import type { PlacementState } from './state.js';
import { filtersFor, verdictOf } from './filter.js';
import { explainUnplaced, explanationOf, retally, tally, touched, type Explanation, type Tally } from './explain.js';

/** Answers for one signature (or one set of leading filters' keys): per machine, the answer and the machine's version when it was asked; their tally. */
interface Answers {
  readonly filters: readonly Filter[];
  readonly results: Verdict[];
  readonly versions: Int32Array;
  tally: Tally | undefined;
}

/** Per state: the answers of every filter, by signature. */
const bySignature = new WeakMap<PlacementState, Map<string, Answers>>();
/** Per state: the answers of the leading filters (all those asked but the last), by their names and keys. */
const byLeading = new WeakMap<PlacementState, Map<string, Answers>>();

/** {@link explainUnplaced} of `unit`, asking again only the machines that changed since a unit with its signature (or its leading filters' keys) was explained on `state`. */
export function explainKept(unit: PlanUnit, state: PlacementState, filters: readonly Filter[]): Explanation {
  if (unit.signature === undefined) return explainUnplaced(unit, state, filters);
  const asked = filtersFor(filters, unit, state);
  const leading = leadingAnswers(unit, state, filters, asked);
  // No machine gets past the leading filters: the last one's answers would be theirs.
  if (leading !== undefined && leading.tally!.eligible === 0) return explanationOf(unit, state, filters, leading.tally!);
  const answers = answersIn(bySignature, unit.signature, state, filters);
  if (leading === undefined) refresh(answers, state, (m) => verdictOf(asked, unit, m, state));
  else {
    const last = asked.slice(-1);
    const before = leading.results;
    refresh(answers, state, (m) => (before[m]!.ok ? verdictOf(last, unit, m, state) : before[m]!));
  }
  return explanationOf(unit, state, filters, answers.tally!);
}

/**
 * The answers of `asked` less its last filter, brought up to date; undefined
 * when fewer than two filters are asked or one of the leading ones has no
 * {@link Filter.key} (only the whole signature then says what they read).
 */
function leadingAnswers(unit: PlanUnit, state: PlacementState, filters: readonly Filter[], asked: readonly Filter[]): Answers | undefined {
  if (asked.length < 2) return undefined;
  let key = '';
  for (let i = 0; i < asked.length - 1; i++) {
    const k = asked[i]!.key?.(unit);
    if (k === undefined) return undefined;
    key += `${asked[i]!.name}:${k}\n`;
  }
  const leading = asked.slice(0, -1);
  const answers = answersIn(byLeading, key, state, filters);
  refresh(answers, state, (m) => verdictOf(leading, unit, m, state));
  return answers;
}

function answersIn(cache: WeakMap<PlacementState, Map<string, Answers>>, key: string, state: PlacementState, filters: readonly Filter[]): Answers {
  let byKey = cache.get(state);
  if (byKey === undefined) cache.set(state, (byKey = new Map()));
  let answers = byKey.get(key);
  if (answers === undefined || !sameFilters(answers.filters, filters)) {
    const n = state.machines.length;
    answers = { filters, results: new Array<Verdict>(n), versions: new Int32Array(n).fill(-1), tally: undefined };
    byKey.set(key, answers);
  }
  return answers;
}

/** Asks `answerOn(m)` again on each machine whose units changed since it was asked, and brings the tally up to date (makes it, for new answers). */
function refresh(answers: Answers, state: PlacementState, answerOn: (m: MachineIndex) => Verdict): void {
  const { results, versions } = answers;
  const counted = answers.tally;
  if (counted === undefined) {
    // New answers: each machine is asked as it is counted, in one loop.
    answers.tally = tally(state, (m) => {
      const v = state.versionOf(m);
      if (versions[m] === v) return results[m]!;
      versions[m] = v;
      return (results[m] = answerOn(m));
    });
    return;
  }
  const n = state.machines.length;
  for (let m = 0; m < n; m++) {
    const v = state.versionOf(m);
    if (versions[m] === v) continue;
    const was = results[m]!;
    const now = answerOn(m);
    results[m] = now;
    versions[m] = v;
    if (sameVerdict(was, now)) touched(counted, m, now);
    else retally(counted, m, was, now);
  }
}

/** True when both answers are the same (same filter, kind and constraint for a "no"). */
function sameVerdict(a: Verdict, b: Verdict): boolean {
  if (a === b || (a.ok && b.ok)) return true;
  return !a.ok && !b.ok && a.filter === b.filter && a.kind === b.kind && a.constraint === b.constraint;
}

function sameFilters(a: readonly Filter[], b: readonly Filter[]): boolean {
  return a === b || (a.length === b.length && a.every((f, i) => f === b[i]));
}

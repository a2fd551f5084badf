/**
 * The preemption phase's victim search: exactly the answers of
 * `choosePreemption` (`preempt.ts`), without weighing every machine for
 * every waiting unit. Kept for one pass and told of every change of the
 * placement state (`changed`).
 *
 * - Per machine, the units that may be preempted there are sorted once in
 *   the order they are spared (`MachineVictims`), until the machine changes;
 *   with them, the answer for each priority and set of requests asked about
 *   (units with the same ones get the same answer on every machine, filters
 *   aside), weighed once per machine version for all of them.
 * - Units with one signature pass the same filters on every machine, so
 *   each signature keeps a heap of the machines among its candidates that
 *   pass its other filters, with their answers, best first; a change
 *   re-enters only the machines that changed since the signature was last
 *   asked (the filters other than MachineOf read only the machine's own
 *   units, and units with MachineOf peers do not come here). A unit takes
 *   the top of its signature's heap: the best answer. (Lower bounds in the
 *   heap, weighed only when they reached the top, cost more: the bound of a
 *   machine, the shortfall alone, is far below the share of the units the
 *   answer stops, so a walk weighed 37 machines on average at 10k, up to
 *   968, and the bounds themselves cost half an answer each.)
 * - When units of one signature found no machine, the next one with that
 *   signature only weighs the machines that changed since (filters and
 *   answers read nothing else).
 * Units with MachineOf peers (their candidates follow the peers, and the
 * peers may not be victims), units without a signature and units with few
 * candidates are answered by weighing their candidates directly.
 *
 * A search is kept with its placement state across the passes that share
 * it (`carry.ts`), as it hears of every change there: a settled cluster's
 * waiting units then weigh only the machines that changed since the last
 * pass ({@link victimSearchOn}).
 */
import type { MachineIndex, PlanUnit } from './model.js';
import type { PlacementState, PlacementView } from './state.js';
import type { Pipeline } from './pipeline.js';
import type { CandidateSet } from './candidates.js';
import { verdictOf, type Filter } from './filter.js';
import { Heap } from './heap.js';
import { narrowCandidates } from './select.js';
import { better, MachineVictims, mayPreemptAny, otherFilters, unitPriority, type ClassMemo, type PreemptionChoice } from './preempt.js';

/** Below this many candidates (or a sixteenth of all machines), weighing them directly is cheaper than a class heap. */
const FEW_CANDIDATES = 64;

/**
 * One class's answer on one machine as of the machine's version. Ordered as
 * answers are ({@link better}): the highest victim priority, the number of
 * victims, the resources freed, the machine.
 */
interface Entry {
  readonly machine: MachineIndex;
  readonly highest: number;
  readonly count: number;
  readonly freed: number;
  readonly version: number;
  readonly choice: PreemptionChoice;
}

function before(a: Entry, b: Entry): boolean {
  if (a.highest !== b.highest) return a.highest < b.highest;
  if (a.count !== b.count) return a.count < b.count;
  if (a.freed !== b.freed) return a.freed < b.freed;
  return a.machine < b.machine;
}

const exact = (choice: PreemptionChoice, version: number): Entry => ({
  machine: choice.machine,
  highest: choice.highest,
  count: choice.victims.length,
  freed: choice.freed,
  version,
  choice,
});

/** Units with one signature: their answer per machine they may take, best first. */
interface ChoiceClass {
  /** A member: what the answers are computed for. */
  readonly unit: PlanUnit;
  /** Answers per machine, shared by every class whose members have the same priority and requests. */
  readonly memo: ClassMemo;
  readonly candidates: CandidateSet;
  /** The filters besides Resources that the candidates do not answer. */
  readonly others: readonly Filter[];
  readonly heap: Heap<Entry>;
  /** Per machine, the version its entry was computed at (0: never; versions start at 1). */
  readonly seen: Int32Array;
  /** How far into the change log the entries are up to date. */
  cursor: number;
}

/** Beyond this many changes (plus a few per machine), a kept search is replaced: its log would only grow. */
const LOG_LIMIT = 100_000;

const searches = new WeakMap<PlacementState, { search: VictimSearch | undefined }>();

/**
 * The victim search kept with `state` (module doc), or a new one when there
 * is none yet for `pipeline` and `shielded` or its change log grew long.
 */
export function victimSearchOn(state: PlacementState, pipeline: Pipeline, shielded: ReadonlySet<string>): VictimSearch {
  let kept = searches.get(state);
  if (kept === undefined) {
    const slot: { search: VictimSearch | undefined } = { search: undefined };
    state.onChange((m) => slot.search?.changed(m));
    searches.set(state, (kept = slot));
  }
  if (kept.search === undefined || !kept.search.serves(pipeline, shielded)) kept.search = new VictimSearch(state, pipeline, shielded);
  return kept.search;
}

function sameList<T>(a: readonly T[], b: readonly T[]): boolean {
  return a === b || (a.length === b.length && a.every((x, i) => x === b[i]));
}

/** Victim search over a placement state; see the module doc. */
export class VictimSearch {
  private readonly victims: MachineVictims;
  /** Machines in the order their units changed (with repeats). */
  private readonly log: MachineIndex[] = [];
  private readonly classes = new Map<string, ChoiceClass>();
  /** signature -> length of the log when a unit with it found no machine. */
  private readonly none = new Map<string, number>();
  /** Scratch marks for deduplicating machines, and the current mark. */
  private readonly marks: Int32Array;
  private mark = 0;
  /** The units it may not stop, as when it was made. */
  private readonly shielded: ReadonlySet<string>;

  /**
   * `few`: units with at most this many candidates (or a sixteenth of all
   * machines) weigh them directly; 0: never (tests, to use the heaps everywhere).
   */
  constructor(
    private readonly view: PlacementView,
    private readonly pipeline: Pipeline,
    shielded: ReadonlySet<string>,
    private readonly few = FEW_CANDIDATES,
  ) {
    this.shielded = new Set(shielded);
    this.victims = new MachineVictims(view, this.shielded);
    this.marks = new Int32Array(view.machines.length);
  }

  /**
   * True when its answers hold for `pipeline` (the same pre-filters and
   * filters: each pass makes its pipeline anew, and scorers do not matter
   * here) and `shielded`, and its change log is not long.
   */
  serves(pipeline: Pipeline, shielded: ReadonlySet<string>): boolean {
    if (!sameList(pipeline.preFilters, this.pipeline.preFilters) || !sameList(pipeline.filters, this.pipeline.filters)) return false;
    if (shielded.size !== this.shielded.size || this.log.length > LOG_LIMIT + 8 * this.view.machines.length) return false;
    for (const name of shielded) if (!this.shielded.has(name)) return false;
    return true;
  }

  /** Call after the units on `m` changed (`PlacementState.onChange`). */
  changed(m: MachineIndex): void {
    this.log.push(m);
    this.victims.invalidate(m);
  }

  /** What `choosePreemption(unit, view, pipeline, shielded)` answers in the current state. */
  choose(unit: PlanUnit): PreemptionChoice | undefined {
    if (!mayPreemptAny(unit)) return undefined;
    const { candidates, applied } = narrowCandidates(unit, this.view, this.pipeline);
    const others = otherFilters(this.pipeline, applied);
    if (others === undefined) return undefined;
    const few = this.few === 0 ? 0 : Math.max(this.few, this.view.machines.length / 16);
    const signature = unit.signature;
    if (unit.requirements.machineOf.length > 0 || signature === undefined || candidates.key === undefined || candidates.machines.length <= few) {
      return this.weigh(unit, candidates.machines, others);
    }
    const since = this.none.get(signature);
    if (since !== undefined) {
      // Nothing was possible then: only machines changed since can offer something.
      const best = this.weigh(unit, this.changedSince(since, candidates), others);
      if (best === undefined) this.none.set(signature, this.log.length);
      else this.none.delete(signature);
      return best;
    }
    const best = this.walk(this.classOf(unit, signature, candidates, others));
    if (best === undefined) this.none.set(signature, this.log.length);
    return best;
  }

  /** The best answer among `machines` for `unit`, each weighed. */
  private weigh(unit: PlanUnit, machines: Iterable<MachineIndex>, others: readonly Filter[]): PreemptionChoice | undefined {
    let best: PreemptionChoice | undefined;
    for (const m of machines) {
      if (!verdictOf(others, unit, m, this.view).ok) continue;
      const choice = this.victims.choiceOn(unit, m);
      if (choice !== undefined && (best === undefined || better(choice, best))) best = choice;
    }
    return best;
  }

  /** Candidates whose units changed after the log had `since` entries, once each. */
  private changedSince(since: number, candidates: CandidateSet): MachineIndex[] {
    const mark = ++this.mark;
    const out: MachineIndex[] = [];
    for (let i = since; i < this.log.length; i++) {
      const m = this.log[i]!;
      if (this.marks[m] === mark || !candidates.has(m)) continue;
      this.marks[m] = mark;
      out.push(m);
    }
    return out;
  }

  /** The top entry of the class, up to date: the best answer. */
  private walk(cls: ChoiceClass): PreemptionChoice | undefined {
    this.sync(cls);
    for (let e = cls.heap.pop(); e !== undefined; e = cls.heap.pop()) {
      if (e.version !== this.victims.version(e.machine)) continue; // the machine changed since: a newer entry stands for it
      cls.heap.push(e);
      return e.choice;
    }
    return undefined;
  }

  private classOf(unit: PlanUnit, signature: string, candidates: CandidateSet, others: readonly Filter[]): ChoiceClass {
    let cls = this.classes.get(signature);
    if (cls === undefined) {
      const key = `${unitPriority(unit)}|${unit.requests.map(([name, v]) => `${name}=${v}`).join(',')}`;
      const seen = new Int32Array(this.view.machines.length);
      cls = { unit, memo: this.victims.memoOf(key), candidates, others, heap: new Heap(before), seen, cursor: this.log.length };
      for (const m of candidates.machines) this.weighFor(cls, m);
      this.classes.set(signature, cls);
    }
    return cls;
  }

  /** Brings the class's entries up to date with the machines changed since it was last asked. */
  private sync(cls: ChoiceClass): void {
    for (let i = cls.cursor; i < this.log.length; i++) {
      const m = this.log[i]!;
      if (cls.seen[m] !== this.victims.version(m) && cls.candidates.has(m)) this.weighFor(cls, m);
    }
    cls.cursor = this.log.length;
  }

  /** Enters `m` into the class with its answer if its members may take it (the answer weighed once per machine version for every class with the same priority and requests). */
  private weighFor(cls: ChoiceClass, m: MachineIndex): void {
    const version = this.victims.version(m);
    cls.seen[m] = version;
    const memo = cls.memo;
    if (this.victims.knownAnswer(m, memo) === null || !verdictOf(cls.others, cls.unit, m, this.view).ok) return;
    const choice = this.victims.answerFor(cls.unit, m, memo);
    if (choice !== undefined) cls.heap.push(exact(choice, version));
  }
}

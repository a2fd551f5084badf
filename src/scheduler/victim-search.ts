/**
 * The preemption phase's victim search: exactly the answers of
 * `choosePreemption` (`preempt.ts`), without weighing every machine for
 * every waiting unit. Kept for one pass and told of every change of the
 * placement state (`changed`).
 *
 * - Per machine, the units that may be preempted there are sorted once in
 *   the order they are spared (`MachineVictims`), until the machine changes.
 * - Units with the same requests and priority get the same answer on every
 *   machine (filters aside), so each such class keeps its per-machine
 *   answers in a heap, best first; a change re-weighs only the machines
 *   that changed since the class was last asked. A unit walks its class's
 *   heap from the top and takes the first machine that is among its
 *   candidates and passes its other filters: the best answer.
 * - When units of one signature found no machine, the next one with that
 *   signature only weighs the machines that changed since (filters and
 *   answers read nothing else).
 * Units with MachineOf peers (their candidates follow the peers, and the
 * peers may not be victims) and units with few candidates are answered by
 * weighing their candidates directly.
 */
import type { MachineIndex, PlanUnit } from './model.js';
import type { PlacementView } from './state.js';
import type { Pipeline } from './pipeline.js';
import type { CandidateSet } from './candidates.js';
import { runFilters, type Filter } from './filter.js';
import { Heap } from './heap.js';
import { narrowCandidates } from './select.js';
import { better, MachineVictims, mayPreemptAny, otherFilters, unitPriority, type PreemptionChoice } from './preempt.js';

/** Below this many candidates (or a sixteenth of all machines), weighing them directly is cheaper than a class heap. */
const FEW_CANDIDATES = 64;

/**
 * One class's answer on one machine as of the machine's version, or a lower
 * bound of it not weighed yet (`choice` undefined). Ordered as answers are
 * ({@link better}): the highest victim priority, the number of victims, the
 * resources freed, the machine.
 */
interface Entry {
  readonly machine: MachineIndex;
  readonly highest: number;
  readonly count: number;
  readonly freed: number;
  readonly version: number;
  readonly choice: PreemptionChoice | undefined;
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

/** Units with one priority and one set of requests: their answer per machine, best first. */
interface ChoiceClass {
  /** A member: what the answers are computed for. */
  readonly unit: PlanUnit;
  readonly heap: Heap<Entry>;
  /** Per machine, the version its entry was computed at (-1: never). */
  readonly seen: Int32Array;
  /** How far into the change log the entries are up to date. */
  cursor: number;
}

/** Victim search over one pass's placement state; see the module doc. */
export class VictimSearch {
  private readonly victims: MachineVictims;
  /** Per machine, how many times its units changed. */
  private readonly version: Int32Array;
  /** Machines in the order their units changed (with repeats). */
  private readonly log: MachineIndex[] = [];
  private readonly classes = new Map<string, ChoiceClass>();
  /** signature -> length of the log when a unit with it found no machine. */
  private readonly none = new Map<string, number>();
  /** Scratch marks for deduplicating machines, and the current mark. */
  private readonly marks: Int32Array;
  private mark = 0;

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
    this.victims = new MachineVictims(view, shielded);
    this.version = new Int32Array(view.machines.length);
    this.marks = new Int32Array(view.machines.length);
  }

  /** Call after the units on `m` changed (`PlacementState.onChange`). */
  changed(m: MachineIndex): void {
    this.version[m]!++;
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
    if (unit.requirements.machineOf.length > 0 || candidates.key === undefined || candidates.machines.length <= few) {
      return this.weigh(unit, candidates.machines, others);
    }
    const signature = unit.signature;
    const since = signature === undefined ? undefined : this.none.get(signature);
    if (since !== undefined) {
      // Nothing was possible then: only machines changed since can offer something.
      const best = this.weigh(unit, this.changedSince(since, candidates), others);
      if (best === undefined) this.none.set(signature!, this.log.length);
      else this.none.delete(signature!);
      return best;
    }
    const best = this.walk(this.classOf(unit), unit, candidates, others);
    if (best === undefined && signature !== undefined) this.none.set(signature, this.log.length);
    return best;
  }

  /** The best answer among `machines` for `unit`, each weighed. */
  private weigh(unit: PlanUnit, machines: Iterable<MachineIndex>, others: readonly Filter[]): PreemptionChoice | undefined {
    let best: PreemptionChoice | undefined;
    for (const m of machines) {
      if (!runFilters(others, unit, m, this.view).ok) continue;
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

  /** The first entry of the class, best first, that `unit` may take: the best answer. */
  private walk(cls: ChoiceClass, unit: PlanUnit, candidates: CandidateSet, others: readonly Filter[]): PreemptionChoice | undefined {
    this.sync(cls);
    const taken: Entry[] = [];
    let best: PreemptionChoice | undefined;
    // Machines this unit may take (candidates passing its other filters), marked as they are found.
    const mark = ++this.mark;
    for (let e = cls.heap.pop(); e !== undefined; e = cls.heap.pop()) {
      const m = e.machine;
      if (e.version !== this.version[m]) continue; // the machine changed since: a newer entry stands for it
      if (this.marks[m] !== mark) {
        if (!candidates.has(m) || !runFilters(others, unit, m, this.view).ok) {
          taken.push(e); // not for this unit, whatever the answer there
          continue;
        }
        this.marks[m] = mark;
      }
      if (e.choice === undefined) {
        // A bound: weigh the machine now; its answer is no better than the bound, so it goes back in order.
        const choice = this.victims.choiceOn(cls.unit, m);
        if (choice !== undefined) cls.heap.push(exact(choice, e.version));
        continue;
      }
      taken.push(e);
      best = e.choice;
      break;
    }
    for (const e of taken) cls.heap.push(e);
    return best;
  }

  private classOf(unit: PlanUnit): ChoiceClass {
    const key = `${unitPriority(unit)}|${unit.requests.map(([name, v]) => `${name}=${v}`).join(',')}`;
    let cls = this.classes.get(key);
    if (cls === undefined) {
      cls = { unit, heap: new Heap(before), seen: new Int32Array(this.view.machines.length).fill(-1), cursor: this.log.length };
      for (let m = 0; m < this.view.machines.length; m++) this.weighFor(cls, m);
      this.classes.set(key, cls);
    }
    return cls;
  }

  /** Brings the class's entries up to date with the machines changed since it was last asked. */
  private sync(cls: ChoiceClass): void {
    for (let i = cls.cursor; i < this.log.length; i++) {
      const m = this.log[i]!;
      if (cls.seen[m] !== this.version[m]) this.weighFor(cls, m);
    }
    cls.cursor = this.log.length;
  }

  /** Enters `m` into the class: a lower bound of its answer, weighed only if a walk gets that far. */
  private weighFor(cls: ChoiceClass, m: MachineIndex): void {
    const version = this.version[m]!;
    cls.seen[m] = version;
    const bound = this.victims.boundOn(cls.unit, m);
    if (bound !== undefined) cls.heap.push({ machine: m, highest: bound.highest, count: 1, freed: bound.freed, version, choice: undefined });
  }
}

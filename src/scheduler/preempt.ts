/**
 * Victim choice for preemption (Kubernetes' priority preemption, for fleet):
 * a unit with `Priority=` that no machine can take may stop units of strictly
 * lower priority on one machine to get room there. Pure: it reads the pass's
 * placement state and changes nothing (`phase-preempt.ts` acts on the answer).
 *
 * A machine is a candidate only when the unit is rejected there by Resources
 * alone (every other filter passes, and the machine could hold the unit were
 * it empty: Resources says `not-now`). A victim is an ordinary unit on that
 * machine with a lower priority that is not `Preemptible=false`, not pinned
 * with `MachineID=`, not shielded by the caller (the engine's flap guard),
 * not one of the unit's MachineOf peers and not a peer others there follow.
 *
 * Per machine: the lowest priority level P such that stopping every victim
 * of priority <= P makes the unit fit; then, from those, victims are spared
 * one at a time (highest priority first, then the smallest, then by name)
 * while the unit still fits, so the set is minimal (not necessarily the
 * smallest possible: that is a knapsack problem). Across machines the best
 * answer has the lowest highest-victim priority, then the fewest victims,
 * then the least resources freed (as fractions of the machine's allocatable
 * amounts), then the lowest machine id.
 *
 * {@link choosePreemption} is the definition: it weighs every candidate
 * machine. The planner asks `victim-search.ts`, which gives the same answers
 * from indexes kept across a pass.
 */
import type { MachineIndex, PlanUnit } from './model.js';
import type { PlacementView } from './state.js';
import type { Pipeline } from './pipeline.js';
import { verdictOf, type Filter } from './filter.js';
import { narrowCandidates } from './select.js';
import { compareStrings } from './name-index.js';
import { priorityOf } from '../units/requirements.js';

/** Where a unit can go by preempting, and whom it stops there. */
export interface PreemptionChoice {
  readonly machine: MachineIndex;
  /** Units to take off `machine`, by name. */
  readonly victims: readonly PlanUnit[];
  /** Highest priority among the victims. */
  readonly highest: number;
  /** Sum over resources of what the victims free, each as a fraction of the machine's allocatable amount. */
  readonly freed: number;
}

/** The unit's priority (`Priority=`, default 0). */
export function unitPriority(unit: PlanUnit): number {
  return priorityOf(unit.requirements);
}

/**
 * True when `victim` may be stopped on `m` to make room for `unit`: strictly
 * lower priority, preemptible, ordinary, not pinned, not shielded, not one of
 * the unit's MachineOf peers, and no unit on `m` follows it (MachineOf).
 */
export function mayPreempt(unit: PlanUnit, victim: PlanUnit, m: MachineIndex, view: PlacementView, shielded: ReadonlySet<string>): boolean {
  if (unitPriority(victim) >= unitPriority(unit) || unit.requirements.machineOf.includes(victim.name)) return false;
  return preemptibleOn(victim, m, view, shielded);
}

/** The part of {@link mayPreempt} that does not depend on who preempts. */
function preemptibleOn(victim: PlanUnit, m: MachineIndex, view: PlacementView, shielded: ReadonlySet<string>): boolean {
  const r = victim.requirements;
  if (r.preemptible === false || victim.global || r.machineId !== undefined || shielded.has(victim.name)) return false;
  return !victim.followers.some((f) => view.hosts(m, f));
}

/** True when the unit may preempt at all: ordinary, a priority above 0, and requesting something. */
export function mayPreemptAny(unit: PlanUnit): boolean {
  return !unit.global && unitPriority(unit) > 0 && unit.requests.length > 0;
}

/**
 * The best machine and victims for `unit` (see module doc), or undefined
 * when preempting cannot place it: it has priority 0 or is global, or no
 * machine rejects it by Resources alone, or no set of allowed victims frees
 * enough there. Deterministic; never throws. Weighs every candidate machine.
 */
export function choosePreemption(unit: PlanUnit, view: PlacementView, pipeline: Pipeline, shielded: ReadonlySet<string> = new Set()): PreemptionChoice | undefined {
  if (!mayPreemptAny(unit)) return undefined;
  const { candidates, applied } = narrowCandidates(unit, view, pipeline);
  const others = otherFilters(pipeline, applied);
  if (others === undefined) return undefined;
  const victims = new MachineVictims(view, shielded);
  let best: PreemptionChoice | undefined;
  for (const m of candidates.machines) {
    if (!verdictOf(others, unit, m, view).ok) continue;
    const choice = victims.choiceOn(unit, m);
    if (choice !== undefined && (best === undefined || better(choice, best))) best = choice;
  }
  return best;
}

/**
 * The filters other than Resources that the pre-filters `applied` did not
 * already answer; undefined when the pipeline has no Resources filter (then
 * nothing is ever rejected for room, and preempting cannot help).
 */
export function otherFilters(pipeline: Pipeline, applied: readonly string[]): readonly Filter[] | undefined {
  if (!pipeline.filters.some((f) => f.name === 'Resources')) return undefined;
  return pipeline.filters.filter((f) => f.name !== 'Resources' && !applied.includes(f.name));
}

/**
 * True when `a` beats `b`: lower highest priority, fewer victims, less freed,
 * lower machine id (machine indexes are in id order).
 */
export function better(a: PreemptionChoice, b: PreemptionChoice): boolean {
  if (a.highest !== b.highest) return a.highest < b.highest;
  if (a.victims.length !== b.victims.length) return a.victims.length < b.victims.length;
  if (a.freed !== b.freed) return a.freed < b.freed;
  return a.machine < b.machine;
}

/** The units of one machine that may be preempted by someone, in the order they are spared. */
interface VictimList {
  /** Spare order: highest priority first, then the smallest share, then by name, descending. */
  readonly units: readonly PlanUnit[];
  readonly priorities: readonly number[];
  readonly shares: readonly number[];
  /** Resource name -> what each unit requests of it, filled as asked for. */
  readonly amounts: Map<string, Float64Array>;
}

/**
 * What {@link MachineVictims} remembers for one class of units (see
 * {@link MachineVictims.memoOf}): the answer on each machine as of the
 * machine's version. Arrays indexed by machine, so the victim search asks
 * without a lookup by key per machine.
 */
export interface ClassMemo {
  /** The answer on each machine (null: none), current where `answerAt[m]` is the machine's stamp. */
  readonly answers: Array<PreemptionChoice | null | undefined>;
  readonly answerAt: Int32Array;
}

/**
 * Per machine, the units that may be preempted there by someone (with
 * requests, preemptible, ordinary, not pinned, not shielded, followed by no
 * unit on the machine), sorted once; {@link choiceOn} answers for one unit.
 * `invalidate(m)` after the units on `m` change.
 */
export class MachineVictims {
  private readonly lists: Array<VictimList | undefined>;
  /** Per machine, 1 + how many times its units changed (`invalidate`): see {@link version}. */
  private readonly stamps: Int32Array;
  private readonly memos = new Map<string, ClassMemo>();
  /** Scratch of {@link shortage} (the short resources and by how much) and {@link choiceOn}: reused, so a search allocates only its answers. */
  private readonly shortNames: string[] = [];
  private shortBy = new Float64Array(4);
  private readonly columns: Float64Array[] = [];
  private totals = new Float64Array(4);
  private readonly chosen: number[] = [];

  constructor(
    private readonly view: PlacementView,
    private readonly shielded: ReadonlySet<string>,
  ) {
    this.lists = new Array<VictimList | undefined>(view.machines.length);
    this.stamps = new Int32Array(view.machines.length).fill(1);
  }

  /** Forgets what is known of `m` (its units changed). */
  invalidate(m: MachineIndex): void {
    this.lists[m] = undefined;
    this.stamps[m]!++;
  }

  /** `m`'s version: 1 at first, one more after each {@link invalidate}. What is remembered of `m` holds while it stays. */
  version(m: MachineIndex): number {
    return this.stamps[m]!;
  }

  /**
   * The memo of one class of units: `key` names the units' priority and
   * requests, which are all {@link choiceOn} reads of a unit without
   * MachineOf peers, so its members share answers.
   */
  memoOf(key: string): ClassMemo {
    let memo = this.memos.get(key);
    if (memo === undefined) {
      const n = this.stamps.length;
      memo = { answers: new Array(n), answerAt: new Int32Array(n) };
      this.memos.set(key, memo);
    }
    return memo;
  }

  /**
   * The minimal victim set on `m` for `unit` (module doc), or undefined when
   * the unit fits there already, or the allowed victims cannot free enough
   * (which includes every machine where Resources says `never`). Other
   * filters are the caller's business.
   */
  choiceOn(unit: PlanUnit, m: MachineIndex): PreemptionChoice | undefined {
    const k = this.shortage(unit, m);
    if (k === 0) return undefined; // not a resource shortage this can fix
    const { shortNames, shortBy } = this;
    const list = this.listOn(m);
    const n = list.units.length;
    if (n === 0) return undefined;
    const priority = unitPriority(unit);
    const { priorities, units } = list;
    // What each listed unit frees of each short resource (exact: fixed units are integers).
    const columns = this.columns; // the first k are this call's
    for (let r = 0; r < k; r++) columns[r] = amountsOf(list, shortNames[r]!);
    const peers = unit.requirements.machineOf;
    const barred = peers.length === 0 ? undefined : (i: number) => peers.includes(units[i]!.name);
    if (this.totals.length < k) this.totals = new Float64Array(k);
    const totals = this.totals.fill(0, 0, k);
    // The lowest priority level whose victims (and all below it) free enough:
    // the list ends with the lowest priorities, so walk it from the end.
    let from = n;
    let enough = false;
    while (from > 0 && !enough) {
      const level = priorities[from - 1]!;
      if (level >= priority) break;
      while (from > 0 && priorities[from - 1] === level) {
        from--;
        if (barred !== undefined && barred(from)) continue;
        for (let r = 0; r < k; r++) totals[r]! += columns[r]![from]!;
      }
      enough = true;
      for (let r = 0; r < k; r++) if (totals[r]! < shortBy[r]!) enough = false;
    }
    if (!enough) return undefined;
    // Spare victims in spare order while the unit still fits.
    const chosen = this.chosen;
    chosen.length = 0;
    for (let i = from; i < n; i++) {
      if (barred !== undefined && barred(i)) continue;
      let spare = true;
      for (let r = 0; r < k && spare; r++) if (totals[r]! - columns[r]![i]! < shortBy[r]!) spare = false;
      if (spare) for (let r = 0; r < k; r++) totals[r]! -= columns[r]![i]!;
      else chosen.push(i);
    }
    // At least one victim stays: with none the unit would not fit.
    if (chosen.length > 1) chosen.sort((a, b) => compareStrings(units[a]!.name, units[b]!.name));
    let freed = 0;
    let highest = priorities[chosen[0]!]!;
    const victims = new Array<PlanUnit>(chosen.length);
    for (let j = 0; j < chosen.length; j++) {
      const i = chosen[j]!;
      victims[j] = units[i]!;
      freed += list.shares[i]!;
      if (priorities[i]! > highest) highest = priorities[i]!;
    }
    return { machine: m, victims, highest, freed };
  }

  /** {@link choiceOn} for a member of `memo`'s class, remembered until `m` changes. */
  answerFor(unit: PlanUnit, m: MachineIndex, memo: ClassMemo): PreemptionChoice | undefined {
    const stamp = this.stamps[m]!;
    if (memo.answerAt[m] !== stamp) {
      memo.answers[m] = this.choiceOn(unit, m) ?? null;
      memo.answerAt[m] = stamp;
    }
    return memo.answers[m] ?? undefined;
  }

  /** What {@link answerFor} remembers on `m`: null for no answer, undefined when not weighed since `m` changed. */
  knownAnswer(m: MachineIndex, memo: ClassMemo): PreemptionChoice | null | undefined {
    return memo.answerAt[m] === this.stamps[m] ? memo.answers[m] : undefined;
  }

  /**
   * Per resource, what must be freed on `m` for `unit` to fit there, into
   * the first entries of `shortNames` and `shortBy` (scratch, valid until
   * the next call); returns how many resources are short (0: none).
   */
  private shortage(unit: PlanUnit, m: MachineIndex): number {
    const view = this.view;
    let k = 0;
    // The unit's request beyond what is free, and any over-commitment (a
    // machine over-committed takes nothing new).
    if (view.resources.overcommitted(m) === undefined) {
      const requests = unit.requests;
      for (let i = 0; i < requests.length; i++) {
        const request = requests[i]!;
        const short = request[1] - view.resources.free(m, request[0]);
        if (short > 0) this.noteShort(k++, request[0], short);
      }
    } else {
      // Over-committed resources must be freed too; only then do the other units' requests matter.
      const all = new Set<string>(unit.requests.map(([name]) => name));
      for (const u of view.unitsOn(m).values()) for (const [name] of u.requests) all.add(name);
      for (const name of all) {
        const short = requestOf(unit, name) - view.resources.free(m, name);
        if (short > 0) this.noteShort(k++, name, short);
      }
    }
    return k;
  }

  private noteShort(r: number, name: string, by: number): void {
    if (r >= this.shortBy.length) {
      const grown = new Float64Array(2 * this.shortBy.length);
      grown.set(this.shortBy);
      this.shortBy = grown;
    }
    this.shortNames[r] = name;
    this.shortBy[r] = by;
  }

  private listOn(m: MachineIndex): VictimList {
    const known = this.lists[m];
    if (known !== undefined) return known;
    const view = this.view;
    const entries: Array<{ unit: PlanUnit; priority: number; share: number }> = [];
    for (const v of view.unitsOn(m).values()) {
      if (v.requests.length === 0 || !preemptibleOn(v, m, view, this.shielded)) continue;
      entries.push({ unit: v, priority: unitPriority(v), share: share(v, m, view) });
    }
    entries.sort((a, b) => b.priority - a.priority || a.share - b.share || compareStrings(b.unit.name, a.unit.name));
    const list: VictimList = {
      units: entries.map((e) => e.unit),
      priorities: entries.map((e) => e.priority),
      shares: entries.map((e) => e.share),
      amounts: new Map(),
    };
    this.lists[m] = list;
    return list;
  }
}

/** What each unit of `list` requests of `name` (fixed units), computed once per list. */
function amountsOf(list: VictimList, name: string): Float64Array {
  let column = list.amounts.get(name);
  if (column === undefined) {
    column = new Float64Array(list.units.length);
    for (let i = 0; i < column.length; i++) column[i] = requestOf(list.units[i]!, name);
    list.amounts.set(name, column);
  }
  return column;
}

/** What `unit` requests of `name`, fixed units; 0 when nothing. */
function requestOf(unit: PlanUnit, name: string): number {
  for (const [n, v] of unit.requests) if (n === name) return v;
  return 0;
}

/** Sum over `unit`'s requests of the fraction of `m`'s allocatable amount each is. */
function share(unit: PlanUnit, m: MachineIndex, view: PlacementView): number {
  let total = 0;
  for (const [name, v] of unit.requests) {
    const alloc = view.resources.allocatable(m, name);
    total += alloc > 0 ? v / alloc : 1;
  }
  return total;
}

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
 */
import type { MachineIndex, PlanUnit } from './model.js';
import type { PlacementView } from './state.js';
import type { Pipeline } from './pipeline.js';
import { runFilters } from './filter.js';
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
  const r = victim.requirements;
  if (unitPriority(victim) >= unitPriority(unit) || r.preemptible === false || victim.global || r.machineId !== undefined) return false;
  if (shielded.has(victim.name) || unit.requirements.machineOf.includes(victim.name)) return false;
  return !victim.followers.some((f) => view.hosts(m, f));
}

/**
 * The best machine and victims for `unit` (see module doc), or undefined
 * when preempting cannot place it: it has priority 0 or is global, or no
 * machine rejects it by Resources alone, or no set of allowed victims frees
 * enough there. Deterministic; never throws.
 */
export function choosePreemption(unit: PlanUnit, view: PlacementView, pipeline: Pipeline, shielded: ReadonlySet<string> = new Set()): PreemptionChoice | undefined {
  if (unit.global || unitPriority(unit) === 0 || unit.requests.length === 0) return undefined;
  const { candidates, applied } = narrowCandidates(unit, view, pipeline);
  const others = pipeline.filters.filter((f) => f.name !== 'Resources' && !applied.includes(f.name));
  const resources = pipeline.filters.find((f) => f.name === 'Resources');
  if (resources === undefined) return undefined;
  let best: PreemptionChoice | undefined;
  for (const m of candidates.machines) {
    if (!runFilters(others, unit, m, view).ok) continue;
    const r = resources.check(unit, m, view);
    if (r.ok || r.kind === 'never') continue;
    const choice = victimsOn(unit, m, view, shielded);
    if (choice !== undefined && (best === undefined || better(choice, best, view))) best = choice;
  }
  return best;
}

/** True when `a` beats `b`: lower highest priority, fewer victims, less freed, lower machine id. */
function better(a: PreemptionChoice, b: PreemptionChoice, view: PlacementView): boolean {
  if (a.highest !== b.highest) return a.highest < b.highest;
  if (a.victims.length !== b.victims.length) return a.victims.length < b.victims.length;
  if (a.freed !== b.freed) return a.freed < b.freed;
  return compareStrings(view.machines[a.machine]!.id, view.machines[b.machine]!.id) < 0;
}

/** The minimal victim set on `m` (module doc), or undefined when the allowed victims cannot free enough. */
function victimsOn(unit: PlanUnit, m: MachineIndex, view: PlacementView, shielded: ReadonlySet<string>): PreemptionChoice | undefined {
  // What must be freed, per resource: the unit's request beyond what is free,
  // and any over-commitment (a machine over-committed takes nothing new).
  const deficit = new Map<string, number>();
  const need = new Map(unit.requests);
  const names = new Set<string>(need.keys());
  // Over-committed resources must be freed too; only then do the other units' requests matter.
  if (view.resources.overcommitted(m) !== undefined) for (const u of view.unitsOn(m).values()) for (const [name] of u.requests) names.add(name);
  for (const name of names) {
    const short = (need.get(name) ?? 0) - view.resources.free(m, name);
    if (short > 0) deficit.set(name, short);
  }
  if (deficit.size === 0) return undefined; // not a resource shortage this can fix
  // Allowed victims, and a quick no when even all of them together do not free enough.
  const allowed: PlanUnit[] = [];
  const upTo = new Map<string, number>();
  for (const v of view.unitsOn(m).values()) {
    if (v.requests.length === 0 || !mayPreempt(unit, v, m, view, shielded)) continue;
    allowed.push(v);
    for (const [name, amount] of v.requests) if (deficit.has(name)) upTo.set(name, (upTo.get(name) ?? 0) + amount);
  }
  for (const [name, short] of deficit) if ((upTo.get(name) ?? 0) < short) return undefined;
  // Running totals of what a victim set frees per short resource, so each check is O(short resources).
  const short = [...deficit];
  const freedBy = (v: PlanUnit): number[] => short.map(([name]) => requestOf(v, name));
  const amounts = new Map(allowed.map((v) => [v, freedBy(v)]));
  const totals = short.map(() => 0);
  const fits = (): boolean => short.every(([, need], i) => totals[i]! >= need);
  const move = (v: PlanUnit, sign: 1 | -1): void => {
    const a = amounts.get(v)!;
    for (let i = 0; i < a.length; i++) totals[i]! += sign * a[i]!;
  };
  // The lowest priority level whose victims (and all below it) free enough.
  allowed.sort((a, b) => unitPriority(a) - unitPriority(b) || compareStrings(a.name, b.name));
  const chosen = new Set<PlanUnit>();
  let enough = false;
  for (let i = 0; i < allowed.length && !enough; ) {
    const level = unitPriority(allowed[i]!);
    for (; i < allowed.length && unitPriority(allowed[i]!) === level; i++) {
      chosen.add(allowed[i]!);
      move(allowed[i]!, 1);
    }
    enough = fits();
  }
  if (!enough) return undefined;
  const size = (v: PlanUnit) => share(v, m, view);
  const spareOrder = [...chosen].sort((a, b) => unitPriority(b) - unitPriority(a) || size(a) - size(b) || compareStrings(b.name, a.name));
  for (const v of spareOrder) {
    move(v, -1);
    if (fits()) chosen.delete(v);
    else move(v, 1);
  }
  const victims = [...chosen].sort((a, b) => compareStrings(a.name, b.name));
  return {
    machine: m,
    victims,
    highest: Math.max(...victims.map(unitPriority)),
    freed: victims.reduce((sum, v) => sum + size(v), 0),
  };
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

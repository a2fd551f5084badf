/**
 * Turns a snapshot into the pass's pre-computed model: machines sorted by id,
 * active units with their glob relations resolved once (which declared
 * Conflicts/Replaces patterns match which names), placement order, and the
 * cycles to warn about.
 */
import type { ClusterSnapshot, MachineSnapshot, PlanWarning, UnitSnapshot } from './types.js';
import type { MachineIndex, MachineInfo, PlanUnit } from './model.js';
import { NameIndex, compareStrings } from './name-index.js';
import { cycles, topologicalPositions } from './graph.js';
import type { DesiredState } from '../domain/index.js';
import { derivedOf, scoringRequests, type Derived } from './derive.js';
import { samePolicy, sameUnits } from './same-input.js';
import { DEFAULT_POLICY, type PlacementPolicy } from './policy.js';
import { priorityOf } from '../units/requirements.js';

/** The pre-computed model of one pass. */
export interface Prepared {
  /** Sorted by id; a machine's index is its position. */
  readonly machines: readonly MachineInfo[];
  /** Active units by name. */
  readonly units: ReadonlyMap<string, PlanUnit>;
  /** Active units in placement order (rank order). */
  readonly order: readonly PlanUnit[];
  /** The active units sorted by name (code-unit order). */
  readonly byName: readonly PlanUnit[];
  /** Desired state of every unit in the snapshot, active or not. */
  readonly desired: DesiredStates;
  readonly warnings: readonly PlanWarning[];
  /** The placement policy of the pass (the snapshot's, else the default). */
  readonly policy: PlacementPolicy;
  /** True when some active unit requests a resource (spread then ranks by resources, not unit counts). */
  readonly requestsAnything: boolean;
  /** True when some active unit has a priority above 0: placement order then puts higher priorities first, and preemption may run. */
  readonly prioritised: boolean;
}

const NO_NAMES: ReadonlySet<string> = new Set();
const NO_NAME_LIST: readonly string[] = Object.freeze([]);
const NO_MACHINES: readonly MachineIndex[] = Object.freeze([]);

type MutableUnit = { -readonly [K in keyof PlanUnit]: PlanUnit[K] };

/** The part of {@link Prepared} that depends on the units (and the policy) alone while no machine holds units. */
type UnitModel = Omit<Prepared, 'machines'>;

/**
 * The unit model of the latest pass and what it was built from. Consecutive
 * passes of an engine usually see the same units (the engine hands the
 * scheduler the same requirements object for a unit until its content
 * changes), so a pass reuses the model instead of rebuilding it: the model
 * is immutable, and a function of exactly the inputs compared here.
 */
let latest: { units: readonly UnitSnapshot[]; policy: PlacementPolicy | undefined; model: UnitModel } | undefined;

/** Builds the model; never throws (duplicate machines/units: the first one wins, with a warning). */
export function prepare(snapshot: ClusterSnapshot): Prepared {
  const machineWarnings: PlanWarning[] = [];
  const machines = prepareMachines(snapshot.machines, machineWarnings);
  const held = heldUnits(snapshot.machines, machines);
  let model: UnitModel;
  if (held.size === 0 && latest !== undefined && samePolicy(latest.policy, snapshot.policy) && sameUnits(latest.units, snapshot.units)) model = latest.model;
  else {
    model = prepareUnits(snapshot, held);
    latest = held.size === 0 ? { units: snapshot.units, policy: snapshot.policy, model } : undefined;
  }
  return { ...model, machines, warnings: machineWarnings.length === 0 ? model.warnings : [...machineWarnings, ...model.warnings] };
}

/** The unit model; `heldOn`: unit name -> machines holding it (see {@link heldUnits}). */
function prepareUnits(snapshot: ClusterSnapshot, heldOn: ReadonlyMap<string, readonly MachineIndex[]>): UnitModel {
  const warnings: PlanWarning[] = [];
  const policy = snapshot.policy ?? DEFAULT_POLICY;
  const bestEffort = policy.bestEffort;
  // Every unit by name (a stable sort: of units with one name, the first given comes first), so a
  // repeated name is next to its first: no map of every name (at 100,000 units ~15% of the model).
  const list = [...snapshot.units].sort((a, b) => compareStrings(a.name, b.name));
  const active: UnitSnapshot[] = [];
  for (let i = 0; i < list.length; i++) {
    const u = list[i]!;
    if (i > 0 && list[i - 1]!.name === u.name) {
      warnings.push({ units: [u.name], message: `unit ${u.name} appears more than once in the snapshot; the first is used` });
      continue;
    }
    if (u.desiredState !== 'inactive') active.push(u);
  }
  const desired = new DesiredStates(list);
  const sortedNames = active.map((u) => u.name);
  const names = new NameIndex(sortedNames);
  const derivations = derivationsOf(active, sortedNames);

  /** The units in name order: a unit's position is its name's in `names`. */
  const all = new Array<MutableUnit>(active.length);
  // What else the model reads of each unit's requirements, read in this one walk over them.
  const conflictGlobs = new Set<string>();
  const replaceGlobs = new Set<string>();
  /** Positions of the units with MachineOf peers, and of those whose Replaces globs match some other unit (few). */
  const withPeers: number[] = [];
  const replacers: number[] = [];
  const priorities = new Float64Array(active.length);
  /** False when some priority is not a finite number (see {@link byPriority}). */
  let finite = true;
  let prioritised = false;
  /** The latest instance's template: instances of one template are next to each other in name order, and share it (one string, hashed once where it is a key). */
  let template: string | undefined;
  for (let i = 0; i < active.length; i++) {
    const u = active[i]!;
    const req = u.requirements;
    const derived = derivations[i]!;
    if (req.conflicts.length > 0) for (const p of req.conflicts) conflictGlobs.add(p);
    if (req.replaces.length > 0) for (const p of req.replaces) replaceGlobs.add(p);
    if (req.machineOf.length > 0) withPeers.push(i);
    const priority = priorityOf(req);
    if (priority > 0) prioritised = true;
    if (typeof priority !== 'number' || !Number.isFinite(priority)) finite = false;
    priorities[i] = priority;
    let replaceTargets: ReadonlySet<string> = NO_NAMES;
    if (derived.replaces.length > 0) {
      const targets = new Set<string>();
      for (const p of derived.replaces) for (const n of names.match(p)) if (n !== u.name) targets.add(n);
      replaceTargets = targets;
    }
    const at = u.name.indexOf('@');
    if (at >= 0 && !(template !== undefined && template.length === at && u.name.startsWith(template))) template = u.name.slice(0, at);
    const unit: MutableUnit = {
      name: u.name,
      rank: 0,
      desiredState: u.desiredState as 'loaded' | 'launched',
      global: req.global,
      requirements: req,
      metadataKey: derived.metadataKey,
      conflicts: derived.conflicts,
      conflictedBy: NO_NAME_LIST,
      replaces: derived.replaces,
      replacedBy: NO_NAME_LIST,
      replaceTargets,
      replaceCycle: undefined,
      followers: NO_NAME_LIST,
      requests: derived.requests,
      scoreRequests: scoringRequests(derived.requests, bestEffort),
      heldOn: heldOn.size === 0 ? NO_MACHINES : (heldOn.get(u.name) ?? NO_MACHINES),
      template: at >= 0 ? template : undefined,
      signature: undefined,
    };
    // Without the relations of others' globs: the few units some glob matches get theirs again below.
    unit.signature = signature(unit, derived);
    if (replaceTargets.size > 0) replacers.push(i);
    all[i] = unit;
  }
  /** The active unit named `name`; undefined when there is none. */
  const named = (name: string): MutableUnit | undefined => {
    const at = names.position(name);
    return at === undefined ? undefined : all[at];
  };
  // Only the names some declared glob matches (few) have relations to set, and so signatures to redo.
  const conflicted = matchDeclared(conflictGlobs, names);
  const replaced = matchDeclared(replaceGlobs, names);
  for (const [at, globs] of conflicted) all[at]!.conflictedBy = globs;
  for (const [at, globs] of replaced) all[at]!.replacedBy = globs;
  for (const at of conflicted.keys()) all[at]!.signature = signature(all[at]!, derivations[at]!);
  for (const at of replaced.keys()) all[at]!.signature = signature(all[at]!, derivations[at]!);
  /** Positions of the units some MachineOf names. */
  const leaders: number[] = [];
  for (const i of withPeers) {
    const u = all[i]!;
    const peers = u.requirements.machineOf;
    for (const peer of peers.length === 1 ? peers : new Set(peers)) {
      const at = names.position(peer);
      const leader = at === undefined ? undefined : all[at]!;
      if (leader === undefined || leader === u) continue;
      if (leader.followers === NO_NAME_LIST) {
        leader.followers = [u.name];
        leaders.push(at!);
      } else (leader.followers as string[]).push(u.name);
    }
  }

  // Edges in name order of their sources (as the cycles and the placement order read them).
  const replaceEdges = new Map<string, string[]>();
  for (const i of replacers) replaceEdges.set(all[i]!.name, [...all[i]!.replaceTargets].sort(compareStrings));
  const replaceCycles = cycles([...replaceEdges.keys()], replaceEdges);
  replaceCycles.forEach((members, id) => {
    for (const n of members) named(n)!.replaceCycle = id;
    warnings.push({
      units: members,
      message: `circular Replaces among ${members.join(', ')}: none displaces another; they are kept apart like Conflicts`,
    });
  });
  const peerEdges = new Map<string, string[]>();
  for (const i of leaders.sort((a, b) => a - b)) peerEdges.set(all[i]!.name, [...all[i]!.followers].sort(compareStrings));
  for (const members of cycles([...peerEdges.keys()], peerEdges)) {
    warnings.push({ units: members, message: `circular MachineOf among ${members.join(', ')}: these units can never be placed` });
  }

  const orderEdges = new Map<string, string[]>(peerEdges);
  for (const [from, tos] of replaceEdges) {
    const cycle = named(from)!.replaceCycle;
    const acyclic = tos.filter((t) => cycle === undefined || named(t)!.replaceCycle !== cycle);
    orderEdges.set(from, [...(orderEdges.get(from) ?? []), ...acyclic]);
  }
  // More important units are placed first (ties, and every unit of a cluster without priorities, by name).
  const byImportance = !prioritised ? all : finite ? byPriority(all, priorities) : [...all].sort((a, b) => priorityOf(b.requirements) - priorityOf(a.requirements) || compareStrings(a.name, b.name));
  let order: MutableUnit[];
  if (orderEdges.size === 0) {
    // No leader or replacer to put first (the usual cluster): the order is byImportance.
    order = byImportance === all ? all.slice() : byImportance;
    for (let rank = 0; rank < order.length; rank++) order[rank]!.rank = rank;
  } else {
    // Positions in byImportance, for the edges' ends (rank is overwritten below).
    for (let i = 0; i < byImportance.length; i++) byImportance[i]!.rank = i;
    const positions = topologicalPositions(byImportance.length, orderEdges, (i) => byImportance[i]!.name, (n) => named(n)?.rank);
    order = new Array<MutableUnit>(positions.length);
    for (let rank = 0; rank < positions.length; rank++) {
      const u = byImportance[positions[rank]!]!;
      u.rank = rank;
      order[rank] = u;
    }
  }
  const requestsAnything = order.some((u) => u.requests.length > 0);
  return { units: new UnitsByName(all), order, byName: all, desired, warnings, policy, requestsAnything, prioritised };
}

/**
 * `units` (sorted by name, names distinct) by priority (`priorities[i]`,
 * finite numbers), highest first, ties by name: the units of each priority
 * in their order, the priorities descending (a cluster has a few), each
 * unit put in its place once. Sorting every unit by both cost a cold pass
 * over 10,000 units ~2 ms.
 */
function byPriority(units: readonly MutableUnit[], priorities: Float64Array): MutableUnit[] {
  // Each unit's priority as a small number (its class); looked up only where it differs from the unit before (runs of one priority are the rule).
  const values: number[] = [];
  const classes = new Map<number, number>();
  const classOf = new Int32Array(units.length);
  let last = 0;
  let lastClass = -1;
  for (let i = 0; i < units.length; i++) {
    const p = priorities[i]!;
    if (lastClass < 0 || p !== last) {
      let c = classes.get(p);
      if (c === undefined) classes.set(p, (c = values.push(p) - 1));
      lastClass = c;
      last = p;
    }
    classOf[i] = lastClass;
  }
  const counts = new Int32Array(values.length);
  for (let i = 0; i < units.length; i++) counts[classOf[i]!]!++;
  // Where each class's run starts: the priorities descending.
  const next = new Int32Array(values.length);
  let start = 0;
  for (const c of values.map((_, c) => c).sort((a, b) => values[b]! - values[a]!)) {
    next[c] = start;
    start += counts[c]!;
  }
  const out = new Array<MutableUnit>(units.length);
  for (let i = 0; i < units.length; i++) out[next[classOf[i]!]!++] = units[i]!;
  return out;
}

/**
 * Desired state by unit name (the first unit given with a name), the map
 * built on the first lookup: only the schedule's entries are looked up, and
 * a pass over an empty schedule (from scratch) looks up none.
 */
export class DesiredStates {
  private map: Map<string, DesiredState> | undefined;

  /** `sorted`: every unit of the snapshot, by name, the first given first among units with one name. */
  constructor(private readonly sorted: readonly UnitSnapshot[]) {}

  /** The desired state of unit `name`; undefined when the snapshot has no such unit. */
  get(name: string): DesiredState | undefined {
    if (this.map === undefined) {
      const map = new Map<string, DesiredState>();
      for (const u of this.sorted) if (!map.has(u.name)) map.set(u.name, u.desiredState);
      this.map = map;
    }
    return this.map.get(name);
  }
}

/**
 * The active units by name, the map built on the first lookup: a pass from
 * scratch looks up almost none by name (the schedule is empty, and the
 * model finds a name's unit by its position in the sorted names), and a
 * map of every name cost a cold pass over 100,000 units ~10% of its model.
 * A model reused by later passes builds it once.
 */
export class UnitsByName implements ReadonlyMap<string, PlanUnit> {
  private map: Map<string, PlanUnit> | undefined;

  /** `sorted`: the active units, sorted by name, names distinct. */
  constructor(private readonly sorted: readonly PlanUnit[]) {}

  get size(): number {
    return this.sorted.length;
  }

  /** The active unit named `name`; undefined when there is none. */
  get(name: string): PlanUnit | undefined {
    return this.built().get(name);
  }

  has(name: string): boolean {
    return this.built().has(name);
  }

  forEach(callback: (unit: PlanUnit, name: string, map: ReadonlyMap<string, PlanUnit>) => void, thisArg?: unknown): void {
    for (const u of this.sorted) callback.call(thisArg, u, u.name, this);
  }

  entries(): MapIterator<[string, PlanUnit]> {
    return this.built().entries();
  }

  keys(): MapIterator<string> {
    return this.built().keys();
  }

  values(): MapIterator<PlanUnit> {
    return this.built().values();
  }

  [Symbol.iterator](): MapIterator<[string, PlanUnit]> {
    return this.built()[Symbol.iterator]();
  }

  private built(): Map<string, PlanUnit> {
    if (this.map === undefined) {
      const map = new Map<string, PlanUnit>();
      for (let i = 0; i < this.sorted.length; i++) map.set(this.sorted[i]!.name, this.sorted[i]!);
      this.map = map;
    }
    return this.map;
  }
}

function prepareMachines(list: readonly MachineSnapshot[], warnings: PlanWarning[]): MachineInfo[] {
  const byId = new Map<string, MachineSnapshot>();
  for (const m of list) {
    if (byId.has(m.id)) {
      warnings.push({ units: [], message: `machine ${m.id} appears more than once in the snapshot; the first is used` });
      continue;
    }
    byId.set(m.id, m);
  }
  return [...byId.keys()].sort(compareStrings).map((id, index) => {
    const m = byId.get(id)!;
    return { index, id, metadata: m.metadata, capacity: m.capacity, cordoned: m.cordoned };
  });
}

/**
 * The derivations of the latest unit model built, by unit name (sorted) and
 * requirements object. Requirements are immutable and the engine hands the
 * scheduler the same object for a unit until its content changes, so a
 * model rebuilt because some units changed derives only those; found by
 * walking both sorted name lists together, without hashing (a per-object
 * WeakMap cost a cold pass over 10,000 new units more in insertions and
 * garbage collection than it saved).
 */
let lastDerived: { readonly names: readonly string[]; readonly units: readonly UnitSnapshot[]; readonly derived: readonly Derived[] } | undefined;

/** Per unit of `active` (sorted by name, names `sortedNames`), its derivation: the latest model's for the same name and requirements object, else derived now. */
function derivationsOf(active: readonly UnitSnapshot[], sortedNames: readonly string[]): Derived[] {
  const out = new Array<Derived>(active.length);
  const prev = lastDerived;
  let j = 0;
  for (let i = 0; i < active.length; i++) {
    const u = active[i]!;
    let d: Derived | undefined;
    if (prev !== undefined) {
      const name = sortedNames[i]!;
      while (j < prev.names.length && prev.names[j]! < name) j++;
      if (j < prev.names.length && prev.names[j] === name && prev.units[j]!.requirements === u.requirements) d = prev.derived[j];
    }
    out[i] = d ?? derivedOf(u.requirements);
  }
  lastDerived = { names: sortedNames, units: active, derived: out };
  return out;
}

/** Unit name -> machines holding it (`MachineSnapshot.held`), ascending; empty when no machine holds anything (the usual case costs one scan). */
function heldUnits(list: readonly MachineSnapshot[], machines: readonly MachineInfo[]): Map<string, MachineIndex[]> {
  const out = new Map<string, MachineIndex[]>();
  if (!list.some((m) => m.held !== undefined && m.held.length > 0)) return out;
  const indexOf = new Map(machines.map((m) => [m.id, m.index]));
  for (const m of list) {
    const index = indexOf.get(m.id);
    if (index === undefined) continue;
    for (const name of m.held ?? []) {
      const at = out.get(name);
      if (at === undefined) out.set(name, [index]);
      else if (!at.includes(index)) at.push(index);
    }
  }
  for (const at of out.values()) at.sort((a, b) => a - b);
  return out;
}

/** Position in `names` -> the distinct `patterns` (declared by some active unit) that match the name there. */
function matchDeclared(patterns: ReadonlySet<string>, names: NameIndex): Map<number, string[]> {
  const out = new Map<number, string[]>();
  if (patterns.size === 0) return out;
  for (const p of [...patterns].sort(compareStrings)) {
    for (const at of names.matchPositions(p)) {
      const list = out.get(at);
      if (list) list.push(p);
      else out.set(at, [p]);
    }
  }
  // Names matched by the same patterns share one list (and so its signature part, see `relationsKey`).
  const shared = new Map<string, string[]>();
  out.forEach((list, at) => {
    const key = list.length === 1 ? list[0]! : list.join('\0');
    const known = shared.get(key);
    if (known === undefined) shared.set(key, list);
    else out.set(at, known);
  });
  return out;
}

function signature(u: PlanUnit, derived: Derived): string | undefined {
  if (u.replaces.length > 0) return undefined;
  const own = derived.signature;
  const held = u.heldOn.length === 0 ? '' : `|held:${u.heldOn.join(',')}`;
  if (u.conflictedBy.length === 0 && u.replacedBy.length === 0) return own + held;
  return `${own}|${relationsKey(u.conflictedBy, u.replacedBy)}${held}`;
}

/** Per conflictedBy list (shared by the names its patterns match, see `matchDeclared`), its key when nothing replaces those names. */
const conflictedOnlyKeys = new WeakMap<readonly string[], string>();

/** The glob relations part of a signature: JSON of both lists. */
function relationsKey(conflictedBy: readonly string[], replacedBy: readonly string[]): string {
  if (replacedBy.length > 0) return JSON.stringify([conflictedBy, replacedBy]);
  let key = conflictedOnlyKeys.get(conflictedBy);
  if (key === undefined) conflictedOnlyKeys.set(conflictedBy, (key = JSON.stringify([conflictedBy, replacedBy])));
  return key;
}

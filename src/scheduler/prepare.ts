/**
 * Turns a snapshot into the pass's pre-computed model: machines sorted by id,
 * active units with their glob relations resolved once (which declared
 * Conflicts/Replaces patterns match which names), placement order, and the
 * cycles to warn about.
 */
import type { ClusterSnapshot, MachineSnapshot, PlanWarning, UnitSnapshot } from './types.js';
import type { MachineIndex, MachineInfo, PlanUnit } from './model.js';
import { NameIndex, compareStrings } from './name-index.js';
import { cycles, topologicalOrder } from './graph.js';
import type { DesiredState } from '../domain/index.js';
import { toFixedUnits, type ResourceAmounts } from '../resources/index.js';
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
  /** Desired state of every unit in the snapshot, active or not. */
  readonly desired: ReadonlyMap<string, DesiredState>;
  readonly warnings: readonly PlanWarning[];
  /** The placement policy of the pass (the snapshot's, else the default). */
  readonly policy: PlacementPolicy;
  /** True when some active unit requests a resource (spread then ranks by resources, not unit counts). */
  readonly requestsAnything: boolean;
  /** True when some active unit has a priority above 0: placement order then puts higher priorities first, and preemption may run. */
  readonly prioritised: boolean;
}

type MutableUnit = { -readonly [K in keyof PlanUnit]: PlanUnit[K] };

/** Builds the model; never throws (duplicate machines/units: the first one wins, with a warning). */
export function prepare(snapshot: ClusterSnapshot): Prepared {
  const warnings: PlanWarning[] = [];
  const policy = snapshot.policy ?? DEFAULT_POLICY;
  const bestEffort = policy.bestEffort;
  const machines = prepareMachines(snapshot.machines, warnings);
  const desired = new Map<string, DesiredState>();
  const active: UnitSnapshot[] = [];
  for (const u of snapshot.units) {
    if (desired.has(u.name)) {
      warnings.push({ units: [u.name], message: `unit ${u.name} appears more than once in the snapshot; the first is used` });
      continue;
    }
    desired.set(u.name, u.desiredState);
    if (u.desiredState !== 'inactive') active.push(u);
  }
  active.sort((a, b) => compareStrings(a.name, b.name));
  const names = new NameIndex(active.map((u) => u.name));
  const conflictedBy = matchDeclared(active, (u) => u.requirements.conflicts, names);
  const replacedBy = matchDeclared(active, (u) => u.requirements.replaces, names);

  const heldOn = heldUnits(snapshot.machines, machines);
  const units = new Map<string, MutableUnit>();
  for (const u of active) {
    const req = u.requirements;
    const derived = derivedOf(req);
    const replaceTargets = new Set<string>();
    for (const p of derived.replaces) for (const n of names.match(p)) if (n !== u.name) replaceTargets.add(n);
    units.set(u.name, {
      name: u.name,
      rank: 0,
      desiredState: u.desiredState as 'loaded' | 'launched',
      global: req.global,
      requirements: req,
      metadataKey: derived.metadataKey,
      conflicts: derived.conflicts,
      conflictedBy: conflictedBy.get(u.name) ?? [],
      replaces: derived.replaces,
      replacedBy: replacedBy.get(u.name) ?? [],
      replaceTargets,
      replaceCycle: undefined,
      followers: [],
      requests: derived.requests,
      scoreRequests: scoringRequests(derived.requests, bestEffort),
      heldOn: heldOn.get(u.name) ?? [],
      template: u.name.includes('@') ? u.name.slice(0, u.name.indexOf('@')) : undefined,
      signature: undefined,
    });
  }
  for (const u of units.values()) {
    for (const peer of new Set(u.requirements.machineOf)) {
      const leader = units.get(peer);
      if (leader && leader !== u) (leader.followers as string[]).push(u.name);
    }
  }

  for (const u of units.values()) u.signature = signature(u);
  const sortedNames = active.map((u) => u.name);
  const replaceEdges = new Map<string, string[]>();
  for (const u of units.values()) if (u.replaceTargets.size > 0) replaceEdges.set(u.name, [...u.replaceTargets].sort(compareStrings));
  const replaceCycles = cycles([...replaceEdges.keys()], replaceEdges);
  replaceCycles.forEach((members, id) => {
    for (const n of members) units.get(n)!.replaceCycle = id;
    warnings.push({
      units: members,
      message: `circular Replaces among ${members.join(', ')}: none displaces another; they are kept apart like Conflicts`,
    });
  });
  const peerEdges = new Map<string, string[]>();
  for (const u of units.values()) if (u.followers.length > 0) peerEdges.set(u.name, [...u.followers].sort(compareStrings));
  for (const members of cycles([...peerEdges.keys()], peerEdges)) {
    warnings.push({ units: members, message: `circular MachineOf among ${members.join(', ')}: these units can never be placed` });
  }

  const orderEdges = new Map<string, string[]>(peerEdges);
  for (const [from, tos] of replaceEdges) {
    const cycle = units.get(from)!.replaceCycle;
    const acyclic = tos.filter((t) => cycle === undefined || units.get(t)!.replaceCycle !== cycle);
    orderEdges.set(from, [...(orderEdges.get(from) ?? []), ...acyclic]);
  }
  // More important units are placed first (ties, and every unit of a cluster without priorities, by name).
  const prioritised = active.some((u) => priorityOf(u.requirements) > 0);
  const byImportance = prioritised ? [...active].sort((a, b) => priorityOf(b.requirements) - priorityOf(a.requirements) || compareStrings(a.name, b.name)).map((u) => u.name) : sortedNames;
  const order = topologicalOrder(byImportance, orderEdges).map((n, rank) => {
    const u = units.get(n)!;
    u.rank = rank;
    return u as PlanUnit;
  });
  const requestsAnything = order.some((u) => u.requests.length > 0);
  return { machines, units, order, desired, warnings, policy, requestsAnything, prioritised };
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

/** name -> the distinct declared patterns (over all active units) that match it. */
function matchDeclared(
  units: readonly UnitSnapshot[],
  patternsOf: (u: UnitSnapshot) => readonly string[],
  names: NameIndex,
): Map<string, string[]> {
  const patterns = new Set<string>();
  for (const u of units) for (const p of patternsOf(u)) patterns.add(p);
  const out = new Map<string, string[]>();
  for (const p of [...patterns].sort(compareStrings)) {
    for (const n of names.match(p)) {
      const list = out.get(n);
      if (list) list.push(p);
      else out.set(n, [p]);
    }
  }
  return out;
}

function signature(u: PlanUnit): string | undefined {
  if (u.replaces.length > 0) return undefined;
  const own = derivedOf(u.requirements).signature;
  const held = u.heldOn.length === 0 ? '' : `|held:${u.heldOn.join(',')}`;
  if (u.conflictedBy.length === 0 && u.replacedBy.length === 0) return own + held;
  return `${own}|${JSON.stringify([u.conflictedBy, u.replacedBy])}${held}`;
}

/** What a pass derives from one unit's own requirements alone. */
interface Derived {
  readonly metadataKey: string;
  readonly conflicts: readonly string[];
  readonly replaces: readonly string[];
  readonly requests: ReadonlyArray<readonly [string, number]>;
  /** The requirements part of the unit's signature (see {@link signature}). */
  readonly signature: string;
}

/**
 * Derived data per requirements object. Requirements are immutable and the
 * engine hands the scheduler the same object for a unit until its content
 * changes, so at 10,000 units every pass after the first reuses these
 * instead of rebuilding strings (most of a settled pass's cost was here and
 * in the garbage it made).
 */
const derivedCache = new WeakMap<UnitSnapshot['requirements'], Derived>();

function derivedOf(r: UnitSnapshot['requirements']): Derived {
  let d = derivedCache.get(r);
  if (d === undefined) {
    const sorted = (xs: readonly string[]) => [...new Set(xs)].sort(compareStrings);
    const md = metadataKey(r.metadata);
    const conflicts = dedupe(r.conflicts);
    d = {
      metadataKey: md,
      conflicts,
      replaces: dedupe(r.replaces),
      requests: fixedRequests(r.resources),
      signature: requirementsKey(r, md, sorted),
    };
    derivedCache.set(r, d);
  }
  return d;
}

/**
 * Every field of the requirements, canonically: so a field added later (e.g.
 * resource requests read by a capacity filter or scorer) is part of the
 * signature without anyone having to remember it. The set-valued lists are
 * sorted and deduplicated; any other value is serialised with sorted keys.
 */
function requirementsKey(r: UnitSnapshot['requirements'], md: string, sorted: (xs: readonly string[]) => string[]): string {
  const known = { global: r.global, machineId: r.machineId ?? null, metadata: md, machineOf: sorted(r.machineOf), conflicts: sorted(r.conflicts) };
  const rest: Array<[string, unknown]> = [];
  for (const key of Object.keys(r).sort(compareStrings)) {
    // `replaces` is left out: a unit that declares it has no signature at all.
    if (key in known || key === 'replaces') continue;
    rest.push([key, canonical((r as unknown as Record<string, unknown>)[key])]);
  }
  return JSON.stringify([known.global, known.machineId, known.metadata, known.machineOf, known.conflicts, rest]);
}

/** `value` with Maps and Sets as sorted entry lists and object keys sorted, for JSON.stringify. */
function canonical(value: unknown): unknown {
  if (value instanceof Map) return [...value].map(([k, v]) => [canonical(k), canonical(v)]).sort((a, b) => compareStrings(JSON.stringify(a[0]), JSON.stringify(b[0])));
  if (value instanceof Set) return [...value].map(canonical).sort((a, b) => compareStrings(JSON.stringify(a), JSON.stringify(b)));
  if (Array.isArray(value)) return value.map(canonical);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort(compareStrings)) out[k] = canonical((value as Record<string, unknown>)[k]);
    return out;
  }
  return value === undefined ? null : value;
}

const scoringCache = new WeakMap<object, { bestEffort: ResourceAmounts; value: ReadonlyArray<readonly [string, number]> }>();

/** `requests`, or merged with `bestEffort` when they name neither cpu nor memory (memoised per requests array). */
function scoringRequests(requests: ReadonlyArray<readonly [string, number]>, bestEffort: ResourceAmounts): ReadonlyArray<readonly [string, number]> {
  if (requests.some(([name]) => name === 'cpu' || name === 'memory')) return requests;
  const hit = scoringCache.get(requests);
  if (hit !== undefined && hit.bestEffort === bestEffort) return hit.value;
  const merged = new Map(requests);
  for (const name of Object.keys(bestEffort).sort(compareStrings)) if (!merged.has(name)) merged.set(name, toFixedUnits(name, bestEffort[name]!));
  const value = [...merged].filter(([, v]) => v > 0).sort((a, b) => compareStrings(a[0], b[0]));
  scoringCache.set(requests, { bestEffort, value });
  return value;
}

/** Requests above 0 in fixed units, sorted by resource name. */
function fixedRequests(resources: ResourceAmounts | undefined): Array<readonly [string, number]> {
  if (resources === undefined) return [];
  return Object.keys(resources)
    .sort(compareStrings)
    .map((name) => [name, toFixedUnits(name, resources[name]!)] as const)
    .filter(([, v]) => v > 0);
}

function dedupe(list: readonly string[]): string[] {
  return [...new Set(list)];
}

/** Canonical, collision-free key for a MachineMetadata requirement ('' = none). */
function metadataKey(metadata: ReadonlyMap<string, readonly string[]>): string {
  if (metadata.size === 0) return '';
  const entries = [...metadata].map(([k, vs]) => [k, [...new Set(vs)].sort(compareStrings)] as const);
  entries.sort((a, b) => compareStrings(a[0], b[0]));
  return `md:${JSON.stringify(entries)}`;
}

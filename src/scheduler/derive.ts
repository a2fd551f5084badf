/**
 * What a pass derives from one unit's own requirements alone (metadata key,
 * deduplicated globs, requests in fixed units, the requirements part of its
 * signature), memoised per requirements object, and its scoring requests.
 */
import type { UnitSnapshot } from './types.js';
import { compareStrings } from './name-index.js';
import { toFixedUnits, type ResourceAmounts } from '../resources/index.js';

/** What a pass derives from one unit's own requirements alone. */
export interface Derived {
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

export function derivedOf(r: UnitSnapshot['requirements']): Derived {
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
export function scoringRequests(requests: ReadonlyArray<readonly [string, number]>, bestEffort: ResourceAmounts): ReadonlyArray<readonly [string, number]> {
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

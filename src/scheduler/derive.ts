/**
 * What a pass derives from one unit's own requirements alone (metadata key,
 * deduplicated globs, requests in fixed units, the requirements part of its
 * signature), and its scoring requests (memoised per requests value).
 */
import type { UnitSnapshot } from './types.js';
import { compareStrings } from './name-index.js';
import { toFixedUnits, type ResourceAmounts } from '../resources/index.js';
import { ContentMemo } from './content-memo.js';

/** What a pass derives from one unit's own requirements alone. */
export interface Derived {
  readonly metadataKey: string;
  readonly conflicts: readonly string[];
  readonly replaces: readonly string[];
  readonly requests: ReadonlyArray<readonly [string, number]>;
  /** The requirements part of the unit's signature (see {@link signature}). */
  readonly signature: string;
}

/** What a unit requesting nothing reserves: one shared, frozen value, so per-requests caches ({@link scoringRequests}) hit for every such unit. */
export const NO_REQUESTS: ReadonlyArray<readonly [string, number]> = Object.freeze([]);

/**
 * What a pass derives from `r`: one shared value per content of the
 * requirements (`prepare.ts` also keeps the latest model's derivations by
 * unit and requirements object). A large cluster's units ask for one of a
 * few hundred contents (a template's instances, the same requests), and
 * every unit is new to a cold pass: deriving each (its key text, its
 * requests) cost a cold pass over 10,000 new units a fifth of its time.
 */
export function derivedOf(r: UnitSnapshot['requirements']): Derived {
  // Units without constraints (most of them) share one value.
  if (isPlain(r)) return plainDerived();
  return byContent.get(r, deriveAny);
}

/** Derived values by content of the requirements. */
const byContent = new ContentMemo<Derived>(10_000);
const deriveAny = (r: object): Derived => derive(r as UnitSnapshot['requirements']);

function derive(r: UnitSnapshot['requirements']): Derived {
  const md = metadataKey(r.metadata);
  return {
    metadataKey: md,
    conflicts: dedupe(r.conflicts),
    replaces: dedupe(r.replaces),
    requests: fixedRequests(r.resources),
    signature: requirementsKey(r, md),
  };
}

/** The one Derived of every unit without constraints or requests (most units), built on first use. */
let plain: Derived | undefined;

function plainDerived(): Derived {
  return (plain ??= Object.freeze(derive({ machineOf: [], metadata: new Map(), conflicts: [], replaces: [], global: false })));
}

/** True when `r` has exactly the fields of a unit without an `[X-Fleet]` section, all empty (its Derived is {@link plainDerived}). */
function isPlain(r: UnitSnapshot['requirements']): boolean {
  // A unit with requests (most of a large cluster) is not plain, told without counting its keys.
  if (r.resources !== undefined) return false;
  // More keys than a plain unit has (a unit with requests, a priority): not plain, told by counting alone.
  let keys = 0;
  for (const _ in r) keys++;
  if (keys > PLAIN_KEYS.size) return false;
  if (r.global || r.machineOf.length > 0 || r.conflicts.length > 0 || r.replaces.length > 0 || r.metadata.size > 0) return false;
  for (const key in r) if (!PLAIN_KEYS.has(key)) return false;
  return true;
}

const PLAIN_KEYS: ReadonlySet<string> = new Set(['global', 'machineOf', 'metadata', 'conflicts', 'replaces']);

/**
 * Every field of the requirements, canonically: so a field added later (e.g.
 * resource requests read by a capacity filter or scorer) is part of the
 * signature without anyone having to remember it. The set-valued lists are
 * sorted and deduplicated; any other value is serialised with sorted keys.
 * Equal to {@link requirementsKeyReference}, written without its per-unit
 * garbage (a cold pass over 10,000 new units spent a tenth of its time there).
 */
function requirementsKey(r: UnitSnapshot['requirements'], md: string): string {
  let rest: string[] | undefined;
  for (const key in r) {
    // `replaces` is left out: a unit that declares it has no signature at all.
    if (KNOWN_KEYS.has(key)) continue;
    (rest ??= []).push(key);
  }
  let restJson = '[]';
  if (rest !== undefined) {
    if (rest.length > 1) rest.sort(compareStrings);
    const parts = rest.map((key) => `[${JSON.stringify(key)},${key === 'resources' && isAmounts(r.resources) ? resourcesInfo(r.resources).json : canonicalJson((r as unknown as Record<string, unknown>)[key])}]`);
    restJson = `[${parts.join(',')}]`;
  }
  return `[${r.global ? 'true' : 'false'},${r.machineId === undefined ? 'null' : JSON.stringify(r.machineId)},${JSON.stringify(md)},${sortedJson(r.machineOf)},${sortedJson(r.conflicts)},${restJson}]`;
}

const KNOWN_KEYS: ReadonlySet<string> = new Set(['global', 'machineId', 'metadata', 'machineOf', 'conflicts', 'replaces']);

/** The reference definition of the requirements key (what {@link requirementsKey} must equal; tests compare them). */
export function requirementsKeyReference(r: UnitSnapshot['requirements']): string {
  const sorted = (xs: readonly string[]) => [...new Set(xs)].sort(compareStrings);
  const md = metadataKey(r.metadata);
  const known = { global: r.global, machineId: r.machineId ?? null, metadata: md, machineOf: sorted(r.machineOf), conflicts: sorted(r.conflicts) };
  const rest: Array<[string, unknown]> = [];
  for (const key of Object.keys(r).sort(compareStrings)) {
    if (key in known || key === 'replaces') continue;
    rest.push([key, canonical((r as unknown as Record<string, unknown>)[key])]);
  }
  return JSON.stringify([known.global, known.machineId, known.metadata, known.machineOf, known.conflicts, rest]);
}

/** The requirements key of `r` as the planner computes it (for tests). */
export function requirementsKeyOf(r: UnitSnapshot['requirements']): string {
  return derivedOf(r).signature;
}

/** True for a plain object (what `resources` is; a test may hand something else). */
function isAmounts(value: unknown): value is ResourceAmounts {
  return value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype;
}

/** JSON of the distinct members of `xs`, sorted. */
function sortedJson(xs: readonly string[]): string {
  if (xs.length === 0) return '[]';
  if (xs.length === 1) return `[${JSON.stringify(xs[0])}]`;
  return JSON.stringify([...new Set(xs)].sort(compareStrings));
}

/** `JSON.stringify(canonical(value))`, without the copies for the usual values (primitives, flat objects with sorted keys). */
function canonicalJson(value: unknown): string {
  if (value === undefined || value === null) return 'null';
  const t = typeof value;
  if (t === 'string' || t === 'boolean' || (t === 'number' && Number.isFinite(value))) return JSON.stringify(value);
  if (t === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    let last: string | undefined;
    let flat = true;
    for (const k in value as Record<string, unknown>) {
      const v = (value as Record<string, unknown>)[k];
      const vt = typeof v;
      if ((last !== undefined && compareStrings(last, k) >= 0) || !(vt === 'string' || vt === 'boolean' || (vt === 'number' && Number.isFinite(v)))) {
        flat = false;
        break;
      }
      last = k;
    }
    if (flat) return JSON.stringify(value);
  }
  return JSON.stringify(canonical(value));
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
  const hit = scoringCache.get(requests);
  if (hit !== undefined && hit.bestEffort === bestEffort) return hit.value;
  if (requests.some(([name]) => name === 'cpu' || name === 'memory')) {
    scoringCache.set(requests, { bestEffort, value: requests });
    return requests;
  }
  const merged = new Map(requests);
  for (const name of Object.keys(bestEffort).sort(compareStrings)) if (!merged.has(name)) merged.set(name, toFixedUnits(name, bestEffort[name]!));
  const value = [...merged].filter(([, v]) => v > 0).sort((a, b) => compareStrings(a[0], b[0]));
  scoringCache.set(requests, { bestEffort, value });
  return value;
}

/** Requests above 0 in fixed units, sorted by resource name (one shared value per content, see {@link resourcesInfo}). */
function fixedRequests(resources: ResourceAmounts | undefined): ReadonlyArray<readonly [string, number]> {
  return resources === undefined ? NO_REQUESTS : resourcesInfo(resources).requests;
}

/** What a `resources` value gives: its requests and its part of the requirements key. */
interface ResourcesInfo {
  readonly requests: ReadonlyArray<readonly [string, number]>;
  readonly json: string;
}

/**
 * Per content of a `resources` value (names and amounts in their order):
 * units asking the same amounts (most of a large cluster asks one of a few)
 * share one requests value and its key text instead of building both.
 * Emptied when it grows past {@link MAX_RESOURCE_SHAPES}.
 */
const resourcesByContent = new Map<string, ResourcesInfo>();
const MAX_RESOURCE_SHAPES = 10_000;

function resourcesInfo(resources: ResourceAmounts): ResourcesInfo {
  let content = '';
  for (const name in resources) {
    const v = resources[name];
    // Number to text is exact (round-trips), so equal text means equal amounts; anything else is not shared.
    if (typeof v !== 'number') return buildResourcesInfo(resources);
    content += `${name}\0${v}\0`;
  }
  let info = resourcesByContent.get(content);
  if (info === undefined) {
    info = buildResourcesInfo(resources);
    if (resourcesByContent.size >= MAX_RESOURCE_SHAPES) resourcesByContent.clear();
    resourcesByContent.set(content, info);
  }
  return info;
}

function buildResourcesInfo(resources: ResourceAmounts): ResourcesInfo {
  const requests = Object.keys(resources)
    .sort(compareStrings)
    .map((name) => [name, toFixedUnits(name, resources[name]!)] as const)
    .filter(([, v]) => v > 0);
  return { requests: requests.length === 0 ? NO_REQUESTS : requests, json: canonicalJson(resources) };
}

function dedupe(list: readonly string[]): readonly string[] {
  return list.length < 2 ? list : [...new Set(list)];
}

/** Canonical, collision-free key for a MachineMetadata requirement ('' = none). */
function metadataKey(metadata: ReadonlyMap<string, readonly string[]>): string {
  if (metadata.size === 0) return '';
  if (metadata.size === 1) {
    // One key with one value (the usual constraint): the same text as below, built directly.
    const [[key, values]] = metadata;
    if (values.length === 1) return `md:[[${JSON.stringify(key)},[${JSON.stringify(values[0])}]]]`;
  }
  const entries = [...metadata].map(([k, vs]) => [k, [...new Set(vs)].sort(compareStrings)] as const);
  entries.sort((a, b) => compareStrings(a[0], b[0]));
  return `md:${JSON.stringify(entries)}`;
}

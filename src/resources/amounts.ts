/**
 * Amounts of several resources (`{ cpu: 0.5, memory: 268435456 }`): what a
 * unit requests, what a machine has, reserves, can allocate or has
 * allocated. Values are in the natural unit of each resource (see
 * quantity.ts); a resource that is absent counts as 0.
 */
import { fromFixedUnits, parseQuantity, resourceNameProblem, toFixedUnits } from './quantity.js';

/** Resource name -> amount (cores, bytes or a count). Absent = 0. */
export type ResourceAmounts = Readonly<Record<string, number>>;

/** The empty amount. */
export const NO_RESOURCES: ResourceAmounts = Object.freeze({});

/** What {@link parseResourceItems} found. */
export interface ParsedResources {
  /** Well-formed items, in order of first appearance; a problem item is left out. */
  readonly amounts: ResourceAmounts;
  /** One message per bad item (bad name, bad value, name given twice); empty when all is well. */
  readonly problems: readonly string[];
}

/**
 * Parses `name=value` items (already split on the caller's separator; empty
 * items are skipped). Never throws: problems are returned.
 */
export function parseResourceItems(items: readonly string[]): ParsedResources {
  const amounts: Record<string, number> = {};
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const raw of items) {
    const item = raw.trim();
    if (item === '') continue;
    const eq = item.indexOf('=');
    if (eq < 0) {
      problems.push(`${JSON.stringify(item)} is not name=value (e.g. cpu=0.5 memory=256M)`);
      continue;
    }
    const name = item.slice(0, eq).trim();
    const nameProblem = resourceNameProblem(name);
    if (nameProblem !== undefined) {
      problems.push(nameProblem);
      continue;
    }
    if (seen.has(name)) {
      problems.push(`${name} is given more than once`);
      continue;
    }
    seen.add(name);
    const q = parseQuantity(name, item.slice(eq + 1));
    if (q.ok) amounts[name] = q.value;
    else problems.push(q.reason);
  }
  return { amounts, problems };
}

/** True when `amounts` has no resource above 0. */
export function isEmptyAmount(amounts: ResourceAmounts): boolean {
  for (const v of Object.values(amounts)) if (v > 0) return false;
  return true;
}

/** Resource names of `amounts`, sorted. */
export function resourceNames(amounts: ResourceAmounts): string[] {
  return Object.keys(amounts).sort();
}

/** `a` − `b` per resource over the names of both, floored at 0 (allocatable = capacity − reserved). */
export function subtractAmounts(a: ResourceAmounts, b: ResourceAmounts): ResourceAmounts {
  const out: Record<string, number> = {};
  for (const name of new Set([...Object.keys(a), ...Object.keys(b)])) {
    const left = toFixedUnits(name, a[name] ?? 0) - toFixedUnits(name, b[name] ?? 0);
    out[name] = fromFixedUnits(name, Math.max(0, left));
  }
  return out;
}

/** `a` with `b`'s values written over it (fleet.conf `resources=` over detected capacity). */
export function overrideAmounts(a: ResourceAmounts, b: ResourceAmounts): ResourceAmounts {
  return { ...a, ...b };
}


/** `v` as amounts when it is an object of non-negative finite numbers; otherwise why not (for decoders of records and wire entities). */
export function amountsFrom(v: unknown): { ok: true; amounts: ResourceAmounts } | { ok: false; reason: string } {
  if (v === undefined) return { ok: true, amounts: {} };
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return { ok: false, reason: 'is not an object' };
  const out: Record<string, number> = {};
  for (const [k, x] of Object.entries(v)) {
    if (typeof x !== 'number' || !Number.isFinite(x) || x < 0) return { ok: false, reason: `${k} is not a non-negative number` };
    out[k] = x;
  }
  return { ok: true, amounts: out };
}

/**
 * An apply set: the units one `fleetctl apply` of a directory manages. Each
 * unit apply creates is recorded as a member of its set (`applied/<unit>` in
 * the registry), so a later `apply --prune` of the same set destroys only
 * units that set created. This file holds the set's name rule and its shape
 * as every layer sees it.
 */

/** Longest set name (it is stored with every member and shown in output). */
export const MAX_APPLY_SET_NAME_LENGTH = 63;

const SET_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/** One apply set and the units it created that still exist. */
export interface ApplySet {
  readonly name: string;
  /** Member unit names, sorted. */
  readonly units: readonly string[];
}

/**
 * Why `name` cannot name an apply set, or undefined when it can: 1 to 63
 * characters, letters, digits, `_`, `.`, `-`, starting with a letter or digit.
 * Never throws.
 */
export function applySetNameProblem(name: string): string | undefined {
  if (typeof name !== 'string' || name === '') return 'must not be empty';
  if (name.length > MAX_APPLY_SET_NAME_LENGTH) return `longer than ${MAX_APPLY_SET_NAME_LENGTH} characters`;
  if (!SET_NAME.test(name)) return 'may contain only letters, digits, "_", "." and "-", and must start with a letter or digit';
  return undefined;
}

/** unit name -> the set that created it, from a list of sets. Never throws. */
export function membershipOf(sets: readonly ApplySet[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const s of sets) for (const u of s.units) out.set(u, s.name);
  return out;
}

/**
 * Groups unit -> set pairs into sets, names and members sorted (what the
 * API returns and the registry lists). Never throws.
 */
export function groupApplySets(members: Iterable<readonly [unit: string, set: string]>): ApplySet[] {
  const bySet = new Map<string, string[]>();
  for (const [unit, set] of members) {
    const list = bySet.get(set) ?? [];
    list.push(unit);
    bySet.set(set, list);
  }
  const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
  return [...bySet.entries()].sort(([a], [b]) => cmp(a, b)).map(([name, units]) => ({ name, units: units.sort(cmp) }));
}

import { globMatch, isLiteralGlob } from '../units/glob.js';

/**
 * Finds the unit names a glob matches without testing every name: names are
 * kept sorted, so only the run sharing the pattern's literal prefix (the text
 * before its first metacharacter) is tested. `web@*.service` against 10,000
 * names touches just the `web@` run; a pattern starting with `*` still scans
 * everything, which is rare in unit files.
 */
export class NameIndex {
  private readonly sorted: readonly string[];

  /** `names`: any order, duplicates allowed; a list already sorted without duplicates (the planner's) is used as it is. */
  constructor(names: Iterable<string>) {
    this.sorted = Array.isArray(names) && isStrictlyAscending(names as readonly string[]) ? (names as readonly string[]) : [...new Set(names)].sort(compareStrings);
  }

  /** Names matching `pattern` (Go path.Match), ascending; empty for a malformed pattern. */
  match(pattern: string): string[] {
    return this.matchPositions(pattern).map((i) => this.sorted[i]!);
  }

  /** Where the names matching `pattern` are in the sorted names (of a list given sorted: in that list), ascending. */
  matchPositions(pattern: string): number[] {
    if (isLiteralGlob(pattern)) {
      const at = lowerBound(this.sorted, pattern);
      return this.sorted[at] === pattern ? [at] : [];
    }
    const prefix = literalPrefix(pattern);
    const out: number[] = [];
    for (let i = lowerBound(this.sorted, prefix); i < this.sorted.length; i++) {
      const name = this.sorted[i]!;
      if (!name.startsWith(prefix)) break;
      if (globMatch(pattern, name)) out.push(i);
    }
    return out;
  }

  /** Where `name` is in the sorted names; undefined when it is not one of them. */
  position(name: string): number | undefined {
    const at = lowerBound(this.sorted, name);
    return this.sorted[at] === name ? at : undefined;
  }
}

/** Code-unit string order, the tie-break order used everywhere in the scheduler. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function isStrictlyAscending(names: readonly string[]): boolean {
  for (let i = 1; i < names.length; i++) if (!(names[i - 1]! < names[i]!)) return false;
  return true;
}

function literalPrefix(pattern: string): string {
  const i = pattern.search(/[*?[\\]/);
  return i < 0 ? pattern : pattern.slice(0, i);
}

function lowerBound(sorted: readonly string[], key: string): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]! < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

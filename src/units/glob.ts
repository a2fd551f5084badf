/**
 * Glob matching with Go's `path.Match` semantics, which is what fleet uses
 * for `Conflicts=` and `Replaces=`: `*` matches any run of characters except
 * `/`, `?` one character except `/`, `[...]` a class (ranges, leading `^`
 * negates), and `\` escapes the next character. A malformed pattern never
 * matches (fleet swallows Go's ErrBadPattern the same way).
 *
 * Patterns are compiled once to a RegExp and cached: the scheduler evaluates
 * the same few patterns against thousands of unit names.
 */

const cache = new Map<string, RegExp | null>();
const CACHE_LIMIT = 10_000;

/** True when `name` matches `pattern`; false for a malformed pattern. */
export function globMatch(pattern: string, name: string): boolean {
  const re = compileGlob(pattern);
  return re !== null && re.test(name);
}

/** True when `pattern` is well-formed (would ever be able to match). */
export function isValidGlob(pattern: string): boolean {
  return compileGlob(pattern) !== null;
}

/** True when `pattern` has no glob metacharacters (it matches only itself, after unescaping). */
export function isLiteralGlob(pattern: string): boolean {
  return !/[*?[\\]/.test(pattern);
}

function compileGlob(pattern: string): RegExp | null {
  let re = cache.get(pattern);
  if (re !== undefined) return re;
  re = translate(pattern);
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(pattern, re);
  return re;
}

function escapeRegExpChar(c: string): string {
  return /[\\^$.*+?()[\]{}|/]/.test(c) ? `\\${c}` : c;
}

/** Go path.Match pattern -> anchored RegExp, or null when malformed. */
function translate(pattern: string): RegExp | null {
  const chars = Array.from(pattern);
  let out = '^';
  let i = 0;
  while (i < chars.length) {
    const c = chars[i]!;
    if (c === '*') {
      out += '[^/]*';
      i++;
    } else if (c === '?') {
      out += '[^/]';
      i++;
    } else if (c === '\\') {
      if (i + 1 >= chars.length) return null;
      out += escapeRegExpChar(chars[i + 1]!);
      i += 2;
    } else if (c === '[') {
      const cls = translateClass(chars, i + 1);
      if (cls === null) return null;
      out += cls.regex;
      i = cls.next;
    } else {
      out += escapeRegExpChar(c);
      i++;
    }
  }
  return new RegExp(`${out}$`, 'u');
}

/**
 * Translates a character class starting just after `[`. Go requires at least
 * one range, allows `^` negation, `\` escapes inside, and `lo-hi` ranges with
 * lo <= hi. Like Go, a class never matches `/`.
 */
function translateClass(chars: string[], start: number): { regex: string; next: number } | null {
  let i = start;
  let negated = false;
  if (chars[i] === '^') {
    negated = true;
    i++;
  }
  const ranges: string[] = [];
  let first = true;
  for (;;) {
    if (i >= chars.length) return null;
    if (chars[i] === ']' && !first) {
      i++;
      break;
    }
    first = false;
    const lo = readClassChar(chars, i);
    if (lo === null) return null;
    i = lo.next;
    let hi = lo;
    if (chars[i] === '-') {
      const h = readClassChar(chars, i + 1);
      if (h === null) return null;
      hi = h;
      i = h.next;
    }
    if (lo.char.codePointAt(0)! > hi.char.codePointAt(0)!) return null;
    ranges.push(lo.char === hi.char ? escapeClassChar(lo.char) : `${escapeClassChar(lo.char)}-${escapeClassChar(hi.char)}`);
  }
  const body = ranges.join('');
  return { regex: negated ? `(?![/])[^${body}]` : `(?![/])[${body}]`, next: i };
}

function readClassChar(chars: string[], i: number): { char: string; next: number } | null {
  const c = chars[i];
  if (c === undefined || c === '-' || c === ']') return null;
  if (c === '\\') {
    const e = chars[i + 1];
    if (e === undefined) return null;
    return { char: e, next: i + 2 };
  }
  return { char: c, next: i + 1 };
}

function escapeClassChar(c: string): string {
  return /[\\\]^-]/.test(c) ? `\\${c}` : c;
}

/**
 * Small string helpers that reproduce Go's behaviour where fleet's output
 * depends on it: whitespace as `unicode.IsSpace` sees it (it decides what
 * `strings.TrimSpace` removes, and so the canonical text and its hash), and
 * `%q` quoting for messages users already know from fleet.
 */

/** True for the code points Go's `unicode.IsSpace` accepts (note: U+0085 yes, U+FEFF no). */
export function isGoSpace(cp: number): boolean {
  if (cp <= 0xff) return cp === 0x20 || (cp >= 0x09 && cp <= 0x0d) || cp === 0x85 || cp === 0xa0;
  return (
    cp === 0x1680 ||
    (cp >= 0x2000 && cp <= 0x200a) ||
    cp === 0x2028 ||
    cp === 0x2029 ||
    cp === 0x202f ||
    cp === 0x205f ||
    cp === 0x3000
  );
}

/** `s` without leading Go whitespace. */
export function goTrimStart(s: string): string {
  let i = 0;
  while (i < s.length) {
    const cp = s.codePointAt(i)!;
    if (!isGoSpace(cp)) break;
    i += cp > 0xffff ? 2 : 1;
  }
  return s.slice(i);
}

/** `s` without trailing Go whitespace. */
export function goTrimEnd(s: string): string {
  let end = s.length;
  while (end > 0) {
    // All Go space code points are in the BMP, so one UTF-16 unit is enough.
    if (!isGoSpace(s.charCodeAt(end - 1))) break;
    end--;
  }
  return s.slice(0, end);
}

/** Go's `strings.TrimSpace`. */
export function goTrimSpace(s: string): string {
  return goTrimEnd(goTrimStart(s));
}

/** Go's `strings.Fields`: the non-empty runs of non-whitespace. */
export function goFields(s: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (const ch of s) {
    if (isGoSpace(ch.codePointAt(0)!)) {
      if (cur !== '') out.push(cur);
      cur = '';
    } else {
      cur += ch;
    }
  }
  if (cur !== '') out.push(cur);
  return out;
}

const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;

function escapeCodePoint(ch: string, quote: '"' | "'"): string {
  const cp = ch.codePointAt(0)!;
  switch (ch) {
    case '\u0007': return '\\a';
    case '\b': return '\\b';
    case '\f': return '\\f';
    case '\n': return '\\n';
    case '\r': return '\\r';
    case '\t': return '\\t';
    case '\v': return '\\v';
    case '\\': return '\\\\';
  }
  if (ch === quote) return `\\${ch}`;
  if (PRINTABLE.test(ch)) return ch;
  if (cp < 0x80) return `\\x${cp.toString(16).padStart(2, '0')}`;
  if (cp < 0x10000) return `\\u${cp.toString(16).padStart(4, '0')}`;
  return `\\U${cp.toString(16).padStart(8, '0')}`;
}

/** Go's `%q` of a string: double-quoted, with Go escapes for non-printable characters. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) out += escapeCodePoint(ch, '"');
  return `${out}"`;
}

/** Go's `%q` of a rune: single-quoted, e.g. `'{'`. */
export function goQuoteRune(ch: string): string {
  return `'${escapeCodePoint(ch, "'")}'`;
}

/** Number of bytes `s` takes in UTF-8 (lone surrogates count as 3, like U+FFFD). */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

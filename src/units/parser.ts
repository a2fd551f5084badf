/**
 * Unit file parser with the semantics of go-systemd's `unit.Deserialize`
 * (the parser fleet uses), so the same file yields the same options and
 * therefore the same canonical text and hash:
 *
 * - `[Section]` headers (name verbatim up to the first `]`, only whitespace
 *   may follow); repeated sections and repeated keys are kept, in order.
 * - `Name=Value`: the name is everything before the first `=`, trimmed; the
 *   value is the rest, trimmed. No unquoting, no specifiers, no inline
 *   comments (`#` inside a value is part of it).
 * - A line ending in `\` continues on the next line; the backslash and the
 *   newline stay in the value, continuation lines keep their indentation and
 *   may look like comments. A blank line (or end of file) ends a
 *   continuation, and the value then keeps its final `\` + newline.
 * - `#`/`;` lines are comments; as in go-systemd, a comment line ending in
 *   `\` (ignoring one trailing space) swallows the next line as well.
 * - Lines longer than 2048 bytes including the newline are refused.
 *
 * Deliberate differences, each so that nothing is silently dropped or
 * changed on the way to systemd:
 * - Text before the first section header (fleet skips it) is an error.
 * - CRLF line ends are accepted (go-systemd keeps the CR in the line).
 * - A continuation at end of file keeps its newline as if the file ended
 *   with one, so `X=a \` and `X=a \` + "\n" mean the same.
 * - A value ending in `\` followed by trailing whitespace is refused: fleet
 *   trims the whitespace, and its canonical text then turns the `\` into a
 *   continuation that swallows the next line.
 * - A section header without `]` on the same line is refused (go-systemd
 *   reads the name across lines; systemd refuses it).
 * - Invalid UTF-8, NUL bytes and files over 256 KiB are refused.
 */
import { decodeUnitInput } from './decode.js';
import { UnitParseError } from './errors.js';
import type { OptionLines, UnitOption } from './options.js';
import { goQuote, goTrimSpace, goTrimStart, utf8Length } from './text.js';

export { MAX_UNIT_FILE_BYTES } from './decode.js';

/** systemd's LINE_MAX as go-systemd enforces it: bytes per line, newline included. */
export const MAX_LINE_BYTES = 2048;

/**
 * Parses unit file text (a string or raw bytes) into its options, in file order.
 * Returns an empty list for a file with no options (empty sections vanish).
 * Throws UnitParseError, and nothing else, for any input it refuses.
 */
export function parseUnitFile(input: string | Uint8Array): UnitOption[] {
  return parseUnitFileLines(input).options;
}

/** A parsed unit file: its options in file order, and the line each starts on. */
export interface ParsedUnitFile {
  readonly options: UnitOption[];
  readonly lines: OptionLines;
}

/**
 * Parses like {@link parseUnitFile} and also says on which line each
 * option starts, so a problem with a value can name its line.
 * Throws UnitParseError, and nothing else, for any input it refuses.
 */
export function parseUnitFileLines(input: string | Uint8Array): ParsedUnitFile {
  const lines = decodeUnitInput(input).split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  checkLineLengths(lines);

  const options: UnitOption[] = [];
  const at = new Map<UnitOption, number>();
  let section: string | undefined;
  let i = 0;
  while (i < lines.length) {
    const trimmed = goTrimStart(lines[i]!);
    const lineNo = i + 1;
    if (trimmed === '') {
      i++;
    } else if (trimmed[0] === '#' || trimmed[0] === ';') {
      i = skipComment(lines, i, trimmed.slice(1));
    } else if (trimmed[0] === '[') {
      section = parseSectionHeader(trimmed, lineNo);
      i++;
    } else {
      const eq = trimmed.indexOf('=');
      if (section === undefined) throw beforeFirstSection(trimmed, eq, lineNo);
      if (eq < 0) {
        throw new UnitParseError(`expected "Name=Value", a [Section] header or a comment, found ${goQuote(trimmed)}`, lineNo);
      }
      const rawName = trimmed.slice(0, eq);
      if (rawName.includes('\r')) {
        throw new UnitParseError(`unexpected carriage return in option name ${goQuote(rawName)}`, lineNo);
      }
      const name = goTrimSpace(rawName);
      const { value, next } = readValue(lines, i, trimmed.slice(eq + 1), name);
      const option = { section, name, value };
      options.push(option);
      at.set(option, lineNo);
      i = next;
    }
  }
  return { options, lines: at };
}

function checkLineLengths(lines: readonly string[]): void {
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    // Cheap pre-check: a UTF-16 unit is at most 3 UTF-8 bytes.
    if (line.length * 3 < MAX_LINE_BYTES) continue;
    const bytes = utf8Length(line);
    if (bytes >= MAX_LINE_BYTES) {
      throw new UnitParseError(`line too long (max ${MAX_LINE_BYTES} bytes): ${bytes + 1} bytes with the newline`, i + 1);
    }
  }
}

function beforeFirstSection(trimmed: string, eq: number, lineNo: number): UnitParseError {
  if (eq >= 0) {
    const name = goTrimSpace(trimmed.slice(0, eq));
    return new UnitParseError(`option ${goQuote(name)} appears before the first [Section] header`, lineNo);
  }
  return new UnitParseError(`unexpected text before the first [Section] header: ${goQuote(trimmed)}`, lineNo);
}

/** `trimmed` starts with `[`; returns the section name. */
function parseSectionHeader(trimmed: string, lineNo: number): string {
  const close = trimmed.indexOf(']');
  if (close < 0) {
    throw new UnitParseError(`unable to find end of section: ${goQuote(trimmed)} has no "]"`, lineNo);
  }
  const name = trimmed.slice(1, close);
  const garbage = goTrimSpace(trimmed.slice(close + 1));
  if (garbage !== '') {
    throw new UnitParseError(`found garbage after section name ${goQuote(name)}: ${goQuote(garbage)}`, lineNo);
  }
  return name;
}

/**
 * Skips the comment on line `i` (whose text after `#`/`;` is `rest`) and
 * every line it swallows; returns the index of the next line to parse.
 */
function skipComment(lines: readonly string[], i: number, rest: string): number {
  let text = rest;
  let j = i;
  for (;;) {
    j++;
    // go-systemd removes exactly one trailing space before looking for `\`.
    const s = text.endsWith(' ') ? text.slice(0, -1) : text;
    if (!s.endsWith('\\') || j >= lines.length) return j;
    text = lines[j]!;
  }
}

/**
 * Reads the value that starts with `first` on line `i`, following
 * continuations; returns it and the index of the next line to parse.
 */
function readValue(
  lines: readonly string[],
  i: number,
  first: string,
  name: string,
): { value: string; next: number } {
  let partial = '';
  let line = first;
  let j = i;
  for (;;) {
    if (goTrimSpace(line) === '') break;
    partial += line;
    j++;
    if (!line.endsWith('\\')) break;
    partial += '\n';
    if (j >= lines.length) break;
    line = lines[j]!;
  }
  const value = partial.endsWith('\n') ? `${goTrimSpace(partial)}\n` : goTrimSpace(partial);
  if (value.endsWith('\\')) {
    throw new UnitParseError(
      `value of ${goQuote(name)} ends in "\\" followed by whitespace; remove the whitespace ` +
        '(a "\\" at the very end of a line continues the value on the next line)',
      Math.max(j, i + 1),
    );
  }
  return { value, next: Math.max(j, i + 1) };
}

/**
 * systemd's unit-name escaping (`systemd-escape`, `unit_name_escape` /
 * `unit_name_unescape`): `/` becomes `-`; `-`, `\`, a leading `.` and every
 * byte outside `[A-Za-z0-9:_.]` become `\xNN` (lowercase hex of each UTF-8
 * byte). Used for the unescaped specifiers `%P` and `%I`.
 */

const KEEP = /^[A-Za-z0-9:_.]$/;

/** Returns `s` escaped for use inside a unit name. Never throws. */
export function escapeUnitNamePart(s: string): string {
  let out = '';
  const bytes = new TextEncoder().encode(s);
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    const ch = String.fromCharCode(b);
    if (b === 0x2f) out += '-';
    else if (b < 0x80 && KEEP.test(ch) && !(i === 0 && ch === '.')) out += ch;
    else out += `\\x${b.toString(16).padStart(2, '0')}`;
  }
  return out;
}

/**
 * Undoes escapeUnitNamePart: `-` becomes `/`, `\xNN` the byte NN (hex digits
 * in either case). Returns undefined when a `\` is not followed by `x` and
 * two hex digits, or the bytes are not valid UTF-8.
 */
export function unescapeUnitNamePart(s: string): string | undefined {
  const bytes: number[] = [];
  const src = new TextEncoder().encode(s);
  for (let i = 0; i < src.length; i++) {
    const b = src[i]!;
    if (b === 0x2d) bytes.push(0x2f);
    else if (b === 0x5c) {
      const hex = String.fromCharCode(src[i + 2] ?? 0, src[i + 3] ?? 0);
      if (src[i + 1] !== 0x78 || !/^[0-9a-fA-F]{2}$/.test(hex)) return undefined;
      bytes.push(parseInt(hex, 16));
      i += 3;
    } else bytes.push(b);
  }
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(new Uint8Array(bytes));
  } catch {
    return undefined;
  }
}

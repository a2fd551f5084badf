/**
 * Turns raw unit-file input into checked text: at most MAX_UNIT_FILE_BYTES,
 * valid UTF-8, no NUL bytes, no leading byte-order mark. These are refused
 * up front so the parser only ever sees text systemd could read too.
 */
import { UnitParseError } from './errors.js';
import { utf8Length } from './text.js';

/** Largest accepted unit file, in bytes (256 KiB). */
export const MAX_UNIT_FILE_BYTES = 256 * 1024;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Returns the text of `input` with a leading U+FEFF removed.
 * Throws UnitParseError when the input is too large (line undefined), is not
 * valid UTF-8 (for strings: has a lone surrogate) or contains a NUL byte.
 */
export function decodeUnitInput(input: string | Uint8Array): string {
  let text: string;
  if (typeof input === 'string') {
    checkSize(utf8Length(input));
    const bad = LONE_SURROGATE.exec(input);
    if (bad !== null) throw new UnitParseError('content is not valid UTF-8 (lone surrogate)', lineAt(input, bad.index));
    text = input;
  } else {
    checkSize(input.length);
    const bad = firstInvalidUtf8(input);
    if (bad >= 0) throw new UnitParseError(`content is not valid UTF-8 (byte 0x${input[bad]!.toString(16).padStart(2, '0')} at offset ${bad})`, byteLineAt(input, bad));
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(input);
  }
  const nul = text.indexOf('\0');
  if (nul >= 0) throw new UnitParseError('content contains a NUL byte', lineAt(text, nul));
  return text.startsWith('\uFEFF') ? text.slice(1) : text;
}

function checkSize(bytes: number): void {
  if (bytes > MAX_UNIT_FILE_BYTES) {
    throw new UnitParseError(`unit file too large: ${bytes} bytes (max ${MAX_UNIT_FILE_BYTES})`);
  }
}

function lineAt(text: string, index: number): number {
  let line = 1;
  for (let i = 0; i < index; i++) if (text.charCodeAt(i) === 0x0a) line++;
  return line;
}

function byteLineAt(bytes: Uint8Array, index: number): number {
  let line = 1;
  for (let i = 0; i < index; i++) if (bytes[i] === 0x0a) line++;
  return line;
}

/** Offset of the first byte that starts an invalid UTF-8 sequence, or -1 (RFC 3629: no overlongs, no surrogates, max U+10FFFF). */
function firstInvalidUtf8(b: Uint8Array): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i]!;
    if (c < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) need = 1;
    else if (c >= 0xe0 && c <= 0xef) {
      need = 2;
      if (c === 0xe0) lo = 0xa0;
      if (c === 0xed) hi = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      need = 3;
      if (c === 0xf0) lo = 0x90;
      if (c === 0xf4) hi = 0x8f;
    } else return i;
    const second = b[i + 1];
    if (second === undefined || second < lo || second > hi) return i;
    for (let k = 2; k <= need; k++) {
      const cont = b[i + k];
      if (cont === undefined || cont < 0x80 || cont > 0xbf) return i;
    }
    i += need + 1;
  }
  return -1;
}

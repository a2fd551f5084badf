import type { Readable } from 'node:stream';
import { Variant } from '@jellybrick/dbus-next';

/** D-Bus message types (the second byte of the fixed header). */
export const SIGNAL_TYPE = 4;

/** Header field codes of the D-Bus wire format and the names dbus-next gives them. */
const FIELDS: Readonly<Record<number, string>> = {
  1: 'path',
  2: 'interface',
  3: 'member',
  4: 'errorName',
  5: 'replySerial',
  6: 'destination',
  7: 'sender',
  8: 'signature',
};

/**
 * An incoming message with its header decoded and its body decoded only
 * when asked for, argument by argument.
 */
export interface WireMessage {
  readonly type: number;
  readonly flags: number;
  readonly serial: number;
  /** Header fields by dbus-next's names (path, interface, member, errorName, replySerial, destination, sender); absent ones are missing. */
  readonly fields: Readonly<Record<string, string | number>>;
  readonly signature: string;
  /**
   * The body's arguments from the first through `index` (all when
   * undefined), as dbus-next decodes them: Variant for `v`, BigInt for
   * `x`/`t`, Buffer for `ay`, an object for a dict, an array for a struct.
   * Throws WireFormatError when the body does not match its signature.
   */
  args(index?: number): readonly unknown[];
}

/** A message that does not follow the D-Bus wire format. */
export class WireFormatError extends Error {
  constructor(message: string) {
    super(`malformed D-Bus message: ${message}`);
    this.name = 'WireFormatError';
  }
}

/**
 * Reads messages from `stream` (a connected, authenticated bus socket in
 * paused mode) the way dbus-next does, 16-byte fixed header then fields and
 * body, and hands each to `onMessage` with its body still undecoded. A
 * message that cannot be decoded goes to `onError` and ends the reading
 * (the connection is unusable after it). Returns a function that stops
 * reading.
 */
export function readMessages(stream: Readable, onMessage: (m: WireMessage) => void, onError: (err: Error) => void): () => void {
  let header: Buffer | undefined;
  const onReadable = (): void => {
    for (;;) {
      let message: WireMessage;
      try {
        if (header === undefined) {
          const h = stream.read(16) as Buffer | null;
          if (h === null) return;
          header = h;
        }
        const le = header[0] === 0x6c;
        const fieldsLength = le ? header.readUInt32LE(12) : header.readUInt32BE(12);
        const bodyLength = le ? header.readUInt32LE(4) : header.readUInt32BE(4);
        const rest = stream.read(align(fieldsLength, 8) + bodyLength) as Buffer | null;
        if (rest === null) return;
        const fixed = header;
        header = undefined;
        message = decodeMessage(fixed, rest);
      } catch (err) {
        stream.off('readable', onReadable);
        onError(asWireError(err));
        return;
      }
      onMessage(message);
    }
  };
  stream.on('readable', onReadable);
  return () => stream.off('readable', onReadable);
}

/**
 * Decodes a message from its 16-byte fixed header and the rest (header
 * fields, padding, body); the body is kept and decoded on demand.
 * Throws WireFormatError.
 */
export function decodeMessage(fixed: Buffer, rest: Buffer): WireMessage {
  try {
    return decodeHeader(fixed, rest);
  } catch (err) {
    throw asWireError(err);
  }
}

/** A short buffer surfaces as Node's RangeError from a read past its end: the same malformed message. */
function asWireError(err: unknown): Error {
  if (err instanceof WireFormatError) return err;
  if (err instanceof RangeError) return new WireFormatError(err.message);
  return err instanceof Error ? err : new Error(String(err));
}

function decodeHeader(fixed: Buffer, rest: Buffer): WireMessage {
  if (fixed.length < 16) throw new WireFormatError('the connection ended inside a message');
  if (fixed[0] !== 0x6c && fixed[0] !== 0x42) throw new WireFormatError(`unknown endianness ${fixed[0]}`);
  const le = fixed[0] === 0x6c;
  const fieldsLength = le ? fixed.readUInt32LE(12) : fixed.readUInt32BE(12);
  // Alignment counts from the start of the message: `rest` starts at offset 16, itself 8-aligned.
  const fieldsReader = new WireReader(rest, le, 0);
  const fields: Record<string, string | number> = {};
  fieldsReader.forArray('(yv)', fieldsLength, () => {
    fieldsReader.alignTo(8);
    const code = fieldsReader.value('y') as number;
    const value = fieldsReader.variantValue();
    const name = FIELDS[code];
    if (name !== undefined && (typeof value === 'string' || typeof value === 'number')) fields[name] = value;
  });
  const signature = typeof fields.signature === 'string' ? fields.signature : '';
  delete fields.signature;
  const bodyStart = align(fieldsLength, 8);
  const decoded: unknown[] = [];
  let reader: WireReader | undefined;
  let sigAt = 0;
  const args = (index?: number): readonly unknown[] => {
    const last = index ?? Number.MAX_SAFE_INTEGER;
    reader ??= new WireReader(rest, le, bodyStart);
    try {
      while (decoded.length <= last && sigAt < signature.length) {
        const end = completeTypeEnd(signature, sigAt);
        decoded.push(reader.value(signature.slice(sigAt, end)));
        sigAt = end;
      }
    } catch (err) {
      throw asWireError(err);
    }
    return decoded;
  };
  return { type: fixed[1]!, flags: fixed[2]!, serial: le ? fixed.readUInt32LE(8) : fixed.readUInt32BE(8), fields, signature, args };
}

function align(n: number, to: number): number {
  return (n + to - 1) & ~(to - 1);
}

/** Alignment of a complete type by its first character. */
function alignmentOf(code: string): number {
  switch (code) {
    case 'y':
    case 'g':
    case 'v':
      return 1;
    case 'n':
    case 'q':
      return 2;
    case 'x':
    case 't':
    case 'd':
    case '(':
    case '{':
      return 8;
    default:
      return 4;
  }
}

/** End index (exclusive) of the single complete type starting at `at` in `sig`. Throws WireFormatError. */
export function completeTypeEnd(sig: string, at: number): number {
  const c = sig[at];
  if (c === undefined) throw new WireFormatError(`signature ${sig} ends early`);
  if (c === 'a') return completeTypeEnd(sig, at + 1);
  if (c === '(' || c === '{') {
    const close = c === '(' ? ')' : '}';
    let i = at + 1;
    while (sig[i] !== close) {
      if (i >= sig.length) throw new WireFormatError(`unclosed ${c} in signature ${sig}`);
      i = completeTypeEnd(sig, i);
    }
    return i + 1;
  }
  if (!'ybnqiuxtdsoghv'.includes(c)) throw new WireFormatError(`unknown type ${c} in signature ${sig}`);
  return at + 1;
}

/** A cursor over message bytes (offsets relative to byte 16 of the message, which keeps alignment). */
class WireReader {
  constructor(
    private readonly buf: Buffer,
    private readonly le: boolean,
    private pos: number,
  ) {}

  /** Moves to the next multiple of `n`. */
  alignTo(n: number): void {
    this.pos = align(this.pos, n);
  }

  /** Calls `each` for every element of an array of `elementSig` that is `length` bytes long. */
  forArray(elementSig: string, length: number, each: () => void): void {
    this.pos = align(this.pos, alignmentOf(elementSig[0]!));
    const end = this.pos + length;
    if (end > this.buf.length) throw new WireFormatError('array runs past the message');
    while (this.pos < end) each();
  }

  /** The value of a variant: its signature, then one value of it (not wrapped). */
  variantValue(): unknown {
    const sig = this.value('g') as string;
    if (completeTypeEnd(sig, 0) !== sig.length) throw new WireFormatError(`variant signature ${sig} is not one complete type`);
    return this.value(sig);
  }

  /** One value of the complete type `sig`, as dbus-next decodes it. */
  value(sig: string): unknown {
    const c = sig[0]!;
    this.pos = align(this.pos, alignmentOf(c));
    if (this.pos > this.buf.length) throw new WireFormatError('value runs past the message');
    const { buf, le } = this;
    switch (c) {
      case 'y':
        return buf.readUInt8(this.pos++);
      case 'b':
        return this.u32() !== 0;
      case 'n':
        return this.take(2, le ? buf.readInt16LE(this.pos) : buf.readInt16BE(this.pos));
      case 'q':
        return this.take(2, le ? buf.readUInt16LE(this.pos) : buf.readUInt16BE(this.pos));
      case 'i':
        return this.take(4, le ? buf.readInt32LE(this.pos) : buf.readInt32BE(this.pos));
      case 'u':
      case 'h':
        return this.u32();
      case 'x':
        return this.take(8, le ? buf.readBigInt64LE(this.pos) : buf.readBigInt64BE(this.pos));
      case 't':
        return this.take(8, le ? buf.readBigUInt64LE(this.pos) : buf.readBigUInt64BE(this.pos));
      case 'd':
        return this.take(8, le ? buf.readDoubleLE(this.pos) : buf.readDoubleBE(this.pos));
      case 's':
      case 'o':
        return this.text(this.u32());
      case 'g':
        return this.text(buf.readUInt8(this.pos++));
      case 'v': {
        const inner = this.value('g') as string;
        if (completeTypeEnd(inner, 0) !== inner.length) throw new WireFormatError(`variant signature ${inner} is not one complete type`);
        return new Variant(inner, this.value(inner));
      }
      case '(': {
        const out: unknown[] = [];
        for (let i = 1; i < sig.length - 1; ) {
          const end = completeTypeEnd(sig, i);
          out.push(this.value(sig.slice(i, end)));
          i = end;
        }
        return out;
      }
      case 'a':
        return this.array(sig.slice(1));
      default:
        throw new WireFormatError(`cannot decode type ${sig}`);
    }
  }

  private array(elementSig: string): unknown {
    const length = this.u32();
    if (elementSig === 'y') {
      const start = this.pos;
      this.pos += length;
      if (this.pos > this.buf.length) throw new WireFormatError('array runs past the message');
      return this.buf.subarray(start, this.pos);
    }
    if (elementSig[0] === '{') {
      const keyEnd = completeTypeEnd(elementSig, 1);
      const keySig = elementSig.slice(1, keyEnd);
      const valueSig = elementSig.slice(keyEnd, completeTypeEnd(elementSig, keyEnd));
      const out: Record<string, unknown> = {};
      this.forArray(elementSig, length, () => {
        this.pos = align(this.pos, 8);
        const key = this.value(keySig);
        out[String(key)] = this.value(valueSig);
      });
      return out;
    }
    const out: unknown[] = [];
    this.forArray(elementSig, length, () => out.push(this.value(elementSig)));
    return out;
  }

  private u32(): number {
    return this.take(4, this.le ? this.buf.readUInt32LE(this.pos) : this.buf.readUInt32BE(this.pos));
  }

  private take<T>(size: number, v: T): T {
    this.pos += size;
    return v;
  }

  private text(length: number): string {
    const end = this.pos + length;
    if (end >= this.buf.length) throw new WireFormatError('string runs past the message');
    const s = this.buf.toString('utf8', this.pos, end);
    this.pos = end + 1; // the terminating NUL
    return s;
  }
}

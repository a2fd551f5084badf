/**
 * Range reads straight from etcd's protobuf answer into {@link KeyValue}s.
 *
 * etcd3 decodes every answer with protobufjs and then converts it to plain
 * objects: per key a message object, four `Long`s turned into decimal
 * strings, two `Buffer`s and a second object, which `EtcdKv` then turns into
 * strings and bigints a third time. Listing a cluster of 10,000 units
 * (~46,000 keys: the dashboard's first view) spent ~0.5 s of CPU in that
 * and a good part of its garbage collection. Here a range answer (or a
 * read-only transaction of ranges) is decoded once, from the wire bytes, to
 * exactly what the registry keeps.
 *
 * The call still goes through etcd3's connection pool (member choice,
 * breaker, auth token) and its error classes; only the answer's decoder
 * differs. It reaches into etcd3's and gRPC's client shapes on purpose, checks
 * them, and reports `undefined` when they differ (a newer etcd3), so callers
 * fall back to etcd3's own `range`/`txn`.
 */
import { castGrpcError, EtcdInvalidAuthTokenError, type Etcd3, type IRangeRequest, type ITxnRequest } from 'etcd3';
import type { KeyValue } from './kv.js';

/** One range answer: its keys, whether etcd has more past `limit`, and the store revision it was read at. */
export interface RangePage {
  readonly kvs: KeyValue[];
  readonly more: boolean;
  readonly revision: bigint;
}

/** A read-only transaction's answer: one {@link RangePage} per range op (in order), at one revision. */
export interface RangesPage {
  readonly ranges: RangePage[];
  readonly revision: bigint;
}

/** A cursor over protobuf wire bytes (only what etcd's range answers use). */
class Reader {
  pos: number;

  constructor(
    readonly buf: Buffer,
    start = 0,
    readonly end = buf.length,
  ) {
    this.pos = start;
  }

  /** A varint as a number; exact below 2^53 (revisions, counts, tags). Throws on truncated input. */
  varint(): number {
    let result = 0;
    let scale = 1;
    for (;;) {
      if (this.pos >= this.end) throw new RangeError('truncated varint in etcd answer');
      const b = this.buf[this.pos++]!;
      result += (b & 0x7f) * scale;
      if (b < 0x80) return result;
      scale *= 128;
    }
  }

  /** A varint as its exact unsigned decimal string (lease ids use all 64 bits). */
  varintString(): string {
    const start = this.pos;
    const n = this.varint();
    if (n <= Number.MAX_SAFE_INTEGER) return n === 0 ? '0' : String(n);
    let v = 0n;
    for (let i = this.pos - 1; i >= start; i--) v = (v << 7n) | BigInt(this.buf[i]! & 0x7f);
    // int64 on the wire: a negative value is its two's complement in 64 bits.
    v &= (1n << 64n) - 1n;
    return (v >= 1n << 63n ? v - (1n << 64n) : v).toString();
  }

  /** The end offset of a length-delimited field whose length comes next. */
  delimited(): number {
    const len = this.varint();
    const end = this.pos + len;
    if (end > this.end) throw new RangeError('truncated field in etcd answer');
    return end;
  }

  /** Skips one field of wire type `wire`. */
  skip(wire: number): void {
    switch (wire) {
      case 0:
        this.varint();
        return;
      case 1:
        this.pos += 8;
        break;
      case 2:
        this.pos = this.delimited();
        return;
      case 5:
        this.pos += 4;
        break;
      default:
        throw new RangeError(`unexpected protobuf wire type ${wire} in etcd answer`);
    }
    if (this.pos > this.end) throw new RangeError('truncated field in etcd answer');
  }
}

/** `etcdserverpb.ResponseHeader` -> its revision (field 3). */
function headerRevision(r: Reader, end: number): number {
  let revision = 0;
  while (r.pos < end) {
    const tag = r.varint();
    if (tag === 24) revision = r.varint();
    else r.skip(tag & 7);
  }
  return revision;
}

const NO_LEASE = '0';

/** `mvccpb.KeyValue`: key 1, create_revision 2, mod_revision 3, version 4, value 5, lease 6. */
function keyValue(r: Reader, end: number): KeyValue {
  const buf = r.buf;
  let key = '';
  let value = '';
  let create = 0;
  let mod = 0;
  let lease = NO_LEASE;
  while (r.pos < end) {
    const tag = r.varint();
    switch (tag) {
      case 10: {
        const e = r.delimited();
        key = buf.toString('utf8', r.pos, e);
        r.pos = e;
        break;
      }
      case 16:
        create = r.varint();
        break;
      case 24:
        mod = r.varint();
        break;
      case 42: {
        const e = r.delimited();
        value = buf.toString('utf8', r.pos, e);
        r.pos = e;
        break;
      }
      case 48:
        lease = r.varintString();
        break;
      default:
        r.skip(tag & 7);
    }
  }
  return { key, value, createRevision: BigInt(create), modRevision: BigInt(mod), lease };
}

/** `etcdserverpb.RangeResponse` between `r.pos` and `end`: header 1, kvs 2, more 3, count 4. */
function rangeResponse(r: Reader, end: number): RangePage {
  const kvs: KeyValue[] = [];
  let more = false;
  let revision = 0;
  while (r.pos < end) {
    const tag = r.varint();
    if (tag === 18) {
      const e = r.delimited();
      kvs.push(keyValue(r, e));
      r.pos = e;
    } else if (tag === 10) {
      const e = r.delimited();
      revision = headerRevision(r, e);
      r.pos = e;
    } else if (tag === 24) more = r.varint() !== 0;
    else r.skip(tag & 7);
  }
  return { kvs, more, revision: BigInt(revision) };
}

/**
 * Decodes a `RangeResponse` message.
 * @throws RangeError for bytes that are not one (truncated, unknown wire type).
 */
export function decodeRangeResponse(buf: Buffer): RangePage {
  return rangeResponse(new Reader(buf), buf.length);
}

/**
 * Decodes a `TxnResponse` whose ops were all ranges (header 1, succeeded 2,
 * responses 3 of `ResponseOp` with `response_range` 1); every page's
 * revision is the transaction's.
 * @throws RangeError for bytes that are not one, or an op answer that is not a range.
 */
export function decodeTxnRanges(buf: Buffer): RangesPage {
  const r = new Reader(buf);
  const ranges: RangePage[] = [];
  let revision = 0;
  while (r.pos < buf.length) {
    const tag = r.varint();
    if (tag === 10) {
      const e = r.delimited();
      revision = headerRevision(r, e);
      r.pos = e;
    } else if (tag === 26) {
      const e = r.delimited();
      const inner = r.varint();
      if (inner !== 10) throw new RangeError('etcd answered a range transaction with a non-range op');
      const re = r.delimited();
      ranges.push(rangeResponse(r, re));
      r.pos = e;
    } else r.skip(tag & 7);
  }
  // A range inside a transaction carries no header of its own: each was read at the transaction's revision.
  const at = BigInt(revision);
  return { ranges: ranges.map((p) => ({ kvs: p.kvs, more: p.more, revision: at })), revision: at };
}

/** The parts of etcd3 and grpc-js this module calls (checked at run time). */
interface GrpcClient {
  makeUnaryRequest(path: string, serialize: (v: unknown) => Buffer, deserialize: (b: Buffer) => unknown, argument: unknown, metadata: unknown, options: object, callback: (err: Error | null, res?: unknown) => void): unknown;
  constructor: { service?: Record<string, { path?: string; requestSerialize?: (v: unknown) => Buffer }> };
}
interface Pool {
  withConnection<T>(service: string, fn: (c: { client: GrpcClient; metadata: unknown }) => Promise<T>): Promise<T>;
  callOptionsFactory?: object | ((ctx: object) => object);
}

/** Range and transaction calls that decode their answers here; see the module comment. */
export class DirectRanges {
  private constructor(private readonly pool: Pool) {}

  /** For `client`, or undefined when etcd3's internals are not as expected (use etcd3's own calls). */
  static of(client: Etcd3): DirectRanges | undefined {
    const pool = (client.kv as unknown as { client?: Partial<Pool> }).client;
    if (pool === undefined || typeof pool.withConnection !== 'function') return undefined;
    return new DirectRanges(pool as Pool);
  }

  /** One range. Rejects with etcd3's error classes, as `client.kv.range` does. */
  range(req: IRangeRequest): Promise<RangePage> {
    return this.call('Range', req, decodeRangeResponse);
  }

  /** A transaction of range ops only (no compares). Rejects with etcd3's error classes. */
  ranges(req: ITxnRequest): Promise<RangesPage> {
    return this.call('Txn', req, decodeTxnRanges);
  }

  private call<T>(method: 'Range' | 'Txn', req: unknown, decode: (b: Buffer) => T, reauthenticated = false): Promise<T> {
    const attempt = this.pool.withConnection('KV', ({ client, metadata }) => {
      const def = client.constructor.service?.[method];
      if (def?.path === undefined || def.requestSerialize === undefined || typeof client.makeUnaryRequest !== 'function') {
        return Promise.reject(new Error(`etcd3's KV client has no ${method} method to call directly`));
      }
      const factory = this.pool.callOptionsFactory;
      const options = typeof factory === 'function' ? factory({ service: 'KV', method: method.toLowerCase(), params: req, isStream: false }) : (factory ?? {});
      return new Promise<T>((resolve, reject) => {
        client.makeUnaryRequest(def.path!, def.requestSerialize!, decode, req, metadata, options, (err, res) => (err ? reject(castGrpcError(err)) : resolve(res as T)));
      });
    });
    if (reauthenticated) return attempt;
    // As etcd3's pool does: an expired auth token is fetched again once.
    return attempt.catch((err: unknown) => {
      if (!(err instanceof EtcdInvalidAuthTokenError)) throw err;
      (this.pool as unknown as { authenticator?: { invalidateMetadata?: () => void } }).authenticator?.invalidateMetadata?.();
      return this.call(method, req, decode, true);
    });
  }
}

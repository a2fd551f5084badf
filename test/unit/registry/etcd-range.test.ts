/**
 * The range answer decoder on hand-made protobuf bytes: fields it does not
 * know are skipped, a transaction's pages carry its revision, and bytes that
 * are not a whole answer are refused. (Real etcd answers: the paged-list
 * contract test compares them with etcd3's own decoding.)
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeRangeResponse, decodeTxnRanges } from '../../../src/registry/etcd-range.js';

const varint = (n: bigint): number[] => {
  const out: number[] = [];
  let v = BigInt.asUintN(64, n);
  do {
    const b = Number(v & 0x7fn);
    v >>= 7n;
    out.push(v > 0n ? b | 0x80 : b);
  } while (v > 0n);
  return out;
};
const field = (no: number, wire: number): number[] => varint(BigInt((no << 3) | wire));
const bytes = (no: number, body: number[] | string): number[] => {
  const b = typeof body === 'string' ? [...Buffer.from(body)] : body;
  return [...field(no, 2), ...varint(BigInt(b.length)), ...b];
};
const num = (no: number, v: bigint): number[] => [...field(no, 0), ...varint(v)];

const header = (revision: bigint) => bytes(1, [...num(1, 123n), ...num(3, revision), ...num(4, 9n)]);
const keyValue = (key: string, value: string, create: bigint, mod: bigint, lease = 0n) =>
  bytes(2, [...bytes(1, key), ...num(2, create), ...num(3, mod), ...num(4, 1n), ...bytes(5, value), ...(lease !== 0n ? num(6, lease) : [])]);

describe('etcd range answer decoding', () => {
  test('keys, values, revisions, lease ids (also beyond 2^53), more, and the header revision', () => {
    const msg = Buffer.from([...header(77n), ...keyValue('/k/a', 'é☃', 5n, 9n), ...keyValue('/k/b', '', 6n, 6n, 7587892345678901234n), ...num(3, 1n), ...num(4, 2n)]);
    assert.deepEqual(decodeRangeResponse(msg), {
      kvs: [
        { key: '/k/a', value: 'é☃', createRevision: 5n, modRevision: 9n, lease: '0' },
        { key: '/k/b', value: '', createRevision: 6n, modRevision: 6n, lease: '7587892345678901234' },
      ],
      more: true,
      revision: 77n,
    });
  });

  test('unknown fields of every wire type are skipped', () => {
    const unknown = [...num(15, 3n), ...field(16, 1), 1, 2, 3, 4, 5, 6, 7, 8, ...bytes(17, 'x'), ...field(18, 5), 1, 2, 3, 4];
    const msg = Buffer.from([...unknown, ...header(3n), ...keyValue('/k', 'v', 1n, 2n), ...unknown]);
    assert.deepEqual(decodeRangeResponse(msg), { kvs: [{ key: '/k', value: 'v', createRevision: 1n, modRevision: 2n, lease: '0' }], more: false, revision: 3n });
  });

  test('a transaction of ranges: one page per op, each at the transaction\'s revision', () => {
    const range = (k: string, more: boolean) => bytes(3, bytes(1, [...keyValue(k, 'v', 1n, 1n), ...(more ? num(3, 1n) : [])]));
    const msg = Buffer.from([...header(40n), ...num(2, 1n), ...range('/a', true), ...range('/b', false)]);
    const { ranges, revision } = decodeTxnRanges(msg);
    assert.equal(revision, 40n);
    assert.deepEqual(ranges.map((r) => [r.kvs.map((k) => k.key), r.more, r.revision]), [[['/a'], true, 40n], [['/b'], false, 40n]]);
  });

  test('truncated bytes, a bad wire type and a non-range op are refused', () => {
    const whole = [...header(3n), ...keyValue('/k', 'value', 1n, 2n)];
    assert.throws(() => decodeRangeResponse(Buffer.from(whole.slice(0, -3))), RangeError);
    assert.throws(() => decodeRangeResponse(Buffer.from([0x80])), /truncated varint/);
    assert.throws(() => decodeRangeResponse(Buffer.from([...field(1, 3)])), /wire type 3/);
    assert.throws(() => decodeRangeResponse(Buffer.from([...field(16, 1), 1, 2, 3])), /truncated field/);
    assert.throws(() => decodeTxnRanges(Buffer.from(bytes(3, bytes(2, [])))), /non-range op/);
  });
});

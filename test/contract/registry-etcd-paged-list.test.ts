/**
 * EtcdKv's lists on a real etcd are read in pages (`RANGE_PAGE_KEYS`) at
 * one revision: a directory whose single range answer would pass gRPC's
 * 4 MiB message limit (10,000 unit records do) is still listed, whole and
 * in key order, every key at or below the listing's revision.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { EtcdKv, RANGE_PAGE_KEYS } from '../../src/registry/etcd-kv.js';
import { startEtcd, type TestEtcd } from '../../src/sandbox/etcd.js';

describe('etcd lists larger than one answer', () => {
  let etcd: TestEtcd | undefined;
  let kv: EtcdKv | undefined;
  /** Over 4 MiB in all (2.5 pages of ~2 KiB values), so one answer would fail. */
  const count = Math.floor(RANGE_PAGE_KEYS * 2.5);
  const value = (i: number) => `${i}:`.padEnd(2000, 'x');
  const key = (dir: string, i: number) => `/paged/${dir}/${String(i).padStart(5, '0')}`;

  before(async () => {
    etcd = await startEtcd();
    kv = new EtcdKv({ endpoints: etcd.endpoints, requestTimeoutMs: 30_000 });
    for (let i = 0; i < count; i += 100) {
      const ops = Array.from({ length: Math.min(100, count - i) }, (_, j) => ({ type: 'put' as const, key: key('a', i + j), value: value(i + j) }));
      await kv.txn([], ops);
    }
    await kv.txn([], [{ type: 'put', key: key('b', 0), value: 'b0' }]);
  });
  after(async () => {
    await kv?.close();
    await etcd?.stop();
  });

  test('list returns every key of a directory over 4 MiB, in order', async () => {
    const { kvs, revision } = await kv!.list('/paged/a/');
    assert.equal(kvs.length, count);
    assert.ok(kvs.every((k) => k.modRevision <= revision));
    assert.deepEqual(
      kvs.map((k) => k.key),
      Array.from({ length: count }, (_, i) => key('a', i)),
    );
    assert.equal(kvs[count - 1]!.value, value(count - 1));
  });

  test('scanPrefixes hands over every page of each prefix in key order, at the revision of the listing', async () => {
    const seen: Array<[number, number]> = [];
    const keys: string[][] = [[], []];
    const revision = await kv!.scanPrefixes(['/paged/a/', '/paged/b/'], (i, page) => {
      seen.push([i, page.length]);
      for (const k of page) keys[i]!.push(k.key);
    });
    assert.deepEqual(keys[0], Array.from({ length: count }, (_, i) => key('a', i)));
    assert.deepEqual(keys[1], [key('b', 0)]);
    assert.deepEqual(seen.filter(([i]) => i === 0).map(([, n]) => n), [RANGE_PAGE_KEYS, RANGE_PAGE_KEYS, count - 2 * RANGE_PAGE_KEYS]);
    assert.equal(revision, (await kv!.get('/paged/none')).revision);
  });

  test('a page handler that throws fails the scan with its error', async () => {
    await assert.rejects(
      kv!.scanPrefixes(['/paged/a/'], () => {
        throw new Error('handler failed');
      }),
      /handler failed/,
    );
  });

  test('keys decoded from the wire equal what etcd3 decodes: UTF-8 values, revisions, 64-bit lease ids', async () => {
    const lease = await kv!.grantLease(60);
    await kv!.txn([], [
      { type: 'put', key: '/decode/a', value: 'Grüße, ☃ and 🚀' },
      { type: 'put', key: '/decode/b', value: '' },
      { type: 'put', key: '/decode/c', value: 'on a lease', lease: lease.id },
    ]);
    await kv!.txn([], [{ type: 'put', key: '/decode/a', value: 'Grüße again' }]);
    const { kvs } = await kv!.list('/decode/');
    const one = await Promise.all(['/decode/a', '/decode/b', '/decode/c'].map(async (k) => (await kv!.get(k)).kv));
    assert.deepEqual(kvs, one);
    assert.equal(kvs[2]!.lease, lease.id);
    assert.ok(BigInt(lease.id) > BigInt(Number.MAX_SAFE_INTEGER), `etcd lease ids use 64 bits (${lease.id})`);
    assert.ok(kvs[0]!.modRevision > kvs[0]!.createRevision);
    await kv!.revokeLease(lease.id);
  });

  test('listPrefixes pages each prefix at the same revision', async () => {
    const { lists, revision } = await kv!.listPrefixes(['/paged/a/', '/paged/b/']);
    assert.equal(lists[0]!.length, count);
    assert.deepEqual(lists[1]!.map((k) => k.value), ['b0']);
    assert.ok(lists[0]!.every((k) => k.modRevision <= revision));
  });
});

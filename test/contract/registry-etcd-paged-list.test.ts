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

  test('listPrefixes pages each prefix at the same revision', async () => {
    const { lists, revision } = await kv!.listPrefixes(['/paged/a/', '/paged/b/']);
    assert.equal(lists[0]!.length, count);
    assert.deepEqual(lists[1]!.map((k) => k.value), ['b0']);
    assert.ok(lists[0]!.every((k) => k.modRevision <= revision));
  });
});

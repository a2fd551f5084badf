/**
 * watchPrefixes: several prefix watches behave as one subscription (events of
 * every prefix, one resync, one connection state, one close).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock, settle } from '../../../src/clock.js';
import { MemoryKv } from '../../../src/registry/memory-kv.js';
import { watchPrefixes } from '../../../src/registry/multi-watch.js';
import type { KvEvent } from '../../../src/registry/kv.js';

const put = (key: string) => ({ type: 'put' as const, key, value: 'v' });

describe('watchPrefixes', () => {
  test('delivers the watched prefixes only, each exactly once and in revision order', async () => {
    const kv = new MemoryKv({ clock: new ManualClock() });
    const seen: KvEvent[] = [];
    const sub = watchPrefixes(kv, ['/a/', '/c/'], kv.currentRevision() + 1n, { onEvents: (e) => seen.push(...e), onResync: () => assert.fail('no resync') });
    await kv.txn([], [put('/a/1'), put('/b/1'), put('/c/1')]);
    await kv.txn([], [put('/b/2')]);
    await kv.txn([], [put('/c/2'), put('/a/2')]);
    await settle();
    const keys = seen.map((e) => e.kv.key);
    assert.deepEqual([...keys].sort(), ['/a/1', '/a/2', '/c/1', '/c/2']);
    assert.ok(keys.indexOf('/a/1') < keys.indexOf('/a/2') && keys.indexOf('/c/1') < keys.indexOf('/c/2'));
    await sub.close();
    await kv.txn([], [put('/a/3')]);
    await settle();
    assert.equal(seen.length, 4, 'nothing after close');
  });

  test('a compaction under several prefixes is one resync, and the watch is over', async () => {
    const kv = new MemoryKv({ clock: new ManualClock() });
    await kv.txn([], [put('/a/1')]);
    await kv.txn([], [put('/c/1')]);
    await kv.compact(kv.currentRevision());
    const resyncs: string[] = [];
    const seen: KvEvent[] = [];
    watchPrefixes(kv, ['/a/', '/c/', '/d/'], 1n, { onEvents: (e) => seen.push(...e), onResync: (why) => resyncs.push(why) });
    await settle();
    await kv.txn([], [put('/d/1')]);
    await settle();
    assert.deepEqual(resyncs, ['compacted']);
    assert.deepEqual(seen, []);
  });

  test('connection loss is reported once when the first watch drops and recovery once when all are back', async () => {
    const kv = new MemoryKv({ clock: new ManualClock() });
    const conn: boolean[] = [];
    const seen: KvEvent[] = [];
    const sub = watchPrefixes(kv, ['/a/', '/b/', '/c/'], kv.currentRevision() + 1n, {
      onEvents: (e) => seen.push(...e),
      onResync: () => assert.fail('no resync'),
      onConnection: (c) => conn.push(c),
    });
    kv.setReachable(false);
    await settle();
    kv.setReachable(true);
    await settle();
    assert.deepEqual(conn, [false, true]);
    await kv.txn([], [put('/b/1')]);
    await settle();
    assert.deepEqual(seen.map((e) => e.kv.key), ['/b/1']);
    await sub.close();
  });
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LimitedKv } from '../../../src/registry/limited-kv.js';
import { MemoryKv } from '../../../src/registry/index.js';

test('LimitedKv: at most `limit` requests in flight, the rest run in arrival order as slots free up', async () => {
  const mem = new MemoryKv();
  let inFlight = 0;
  let peak = 0;
  const order: string[] = [];
  const slow = Object.create(mem) as MemoryKv;
  slow.get = async (key: string) => {
    inFlight++;
    peak = Math.max(peak, inFlight);
    await new Promise((r) => setImmediate(r));
    order.push(key);
    inFlight--;
    return mem.get(key);
  };
  const kv = new LimitedKv(slow, 3);
  const keys = Array.from({ length: 10 }, (_, i) => `k${i}`);
  const all = Promise.all(keys.map((k) => kv.get(k)));
  assert.deepEqual(kv.load, { active: 3, waiting: 7 });
  await all;
  assert.equal(peak, 3);
  assert.deepEqual(order, keys);
  assert.deepEqual(kv.load, { active: 0, waiting: 0 });
});

test('LimitedKv: a failed request frees its slot', async () => {
  const mem = new MemoryKv();
  const kv = new LimitedKv(mem, 1);
  mem.setReachable(false);
  await assert.rejects(kv.get('a'));
  mem.setReachable(true);
  assert.equal((await kv.get('a')).kv, undefined);
  assert.deepEqual(kv.load, { active: 0, waiting: 0 });
  assert.throws(() => new LimitedKv(mem, 0), RangeError);
});

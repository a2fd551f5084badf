/**
 * A unit batch (`POST /fleet/v1/units`) on a slow store stops starting
 * writes at its deadline (half the client's `X-Fleet-Request-Timeout-Ms`)
 * and answers the items it did not start with 503, in order, after the
 * ones it did; resending those finishes the job and changes nothing that
 * was already written. Time is a manual clock that every etcd transaction
 * moves on by 250 ms.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../../src/clock.js';
import { createRegistry } from '../../../src/registry/registry.js';
import { MemoryKv } from '../../../src/registry/memory-kv.js';
import type { KvBackend } from '../../../src/registry/kv.js';
import { batchBudget, DEFAULT_BATCH_BUDGET_MS } from '../../../src/api/batch-deadline.js';
import { ApiError } from '../../../src/api/errors.js';
import { startHarness, SERVICE, type Harness } from './harness.js';

const TXN_MS = 250;

/** `kv` whose every transaction takes {@link TXN_MS} of `clock`'s time. */
function slow(kv: KvBackend, clock: ManualClock): KvBackend {
  return new Proxy(kv, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver) as unknown;
      if (prop === 'txn' && typeof v === 'function') {
        return async (...a: unknown[]) => {
          await clock.advance(TXN_MS);
          return (v as (...x: unknown[]) => unknown).apply(target, a);
        };
      }
      return typeof v === 'function' ? (v as (...x: unknown[]) => unknown).bind(target) : v;
    },
  });
}

const names = (n: number): string[] => Array.from({ length: n }, (_, i) => `d${String(i).padStart(3, '0')}.service`);
/** A PUT creating `name` launched, with a body of its own (4 etcd ops, so 32 units per transaction). */
const put = (name: string) => ({ method: 'PUT', name, unit: { name, desiredState: 'launched', options: [...SERVICE, { section: 'Unit', name: 'Description', value: name }] } });

async function post(h: Harness, requests: unknown[], timeoutMs?: number): Promise<{ status: number; json: any }> {
  const headers: Record<string, string> = { 'Content-Type': 'application/json', ...(timeoutMs === undefined ? {} : { 'X-Fleet-Request-Timeout-Ms': String(timeoutMs) }) };
  return h.request('POST', '/fleet/v1/units', { body: JSON.stringify({ requests }), headers });
}

async function slowHarness(): Promise<{ h: Harness; clock: ManualClock; logged: Array<{ obj: any; msg: string }>; registry: ReturnType<typeof createRegistry> }> {
  const clock = new ManualClock();
  const registry = createRegistry(slow(new MemoryKv(), clock), { prefix: '/deadline/' });
  const logged: Array<{ obj: any; msg: string }> = [];
  const log = (obj: object, msg: string): void => void logged.push({ obj, msg });
  const h = await startHarness({ registry: registry.api, clock, logger: { debug: () => undefined, info: () => undefined, warn: log, error: log } });
  return { h, clock, logged, registry };
}

test('a batch slower than its deadline: the first items are done, the rest answer 503 in order; resending the 503s completes it', async (t) => {
  const { h, logged, registry, clock } = await slowHarness();
  t.after(async () => {
    await h.stop();
    await registry.close();
  });
  const all = names(250);
  // 1,000 ms announced: 500 ms budget. The reads take 250 ms (4 transactions in flight), the first wave of 4 write
  // transactions (of 8) 250 ms more: the deadline passes during it.
  const res = await post(h, all.map(put), 1000);
  assert.equal(clock.now(), 2 * TXN_MS, "the reads and one wave of writes: the second wave was not started");
  assert.equal(res.status, 200);
  const statuses: number[] = res.json.results.map((r: { status: number }) => r.status);
  assert.deepEqual(res.json.results.map((r: { name: string }) => r.name), all, 'one result per item, in order');
  const done = statuses.filter((s) => s === 201).length;
  assert.ok(done > 0 && done < all.length, `some items done, some not: ${done} of ${all.length}`);
  assert.deepEqual(statuses, [...Array<number>(done).fill(201), ...Array<number>(all.length - done).fill(503)], 'done items first, then the 503s');
  const first503 = res.json.results[done];
  assert.equal(first503.error.code, 503);
  assert.match(first503.error.message, /^not started: the batch's deadline of 500 ms \(half the client's 1000 ms\) passed first; send it again$/);
  // Nothing of a 503 item was written; every done item was.
  const stored = await registry.api.getUnits(all);
  assert.deepEqual(stored.map((u) => u !== undefined), statuses.map((s) => s === 201));
  // fleetd says why, once per batch, with the cause.
  const line = logged.find((l) => l.msg === 'unit batch: items not started answered 503');
  assert.ok(line, JSON.stringify(logged));
  assert.equal(line.obj.notStarted, all.length - done);
  assert.equal(line.obj.status, 503);
  assert.match(line.obj.cause, /deadline of 500 ms/);

  // The client resends what was not done (and, as after a lost answer, a done one): all done, the done one unchanged.
  const before = await registry.kv.get(registry.layout.unit(all[0]!));
  const again = await post(h, [put(all[0]!), ...all.slice(done).map(put)], 60_000);
  assert.deepEqual(again.json.results.map((r: { status: number }) => r.status), [204, ...Array<number>(all.length - done).fill(201)]);
  const after = await registry.kv.get(registry.layout.unit(all[0]!));
  assert.equal(after.kv?.modRevision, before.kv?.modRevision, 'a resent done item does not write its unit again');
  assert.deepEqual((await registry.api.getUnits(all)).map((u) => u?.desired), all.map(() => 'launched'));
});

test('a batch within its deadline is done whole; without the header the default budget applies', async (t) => {
  const { h, registry } = await slowHarness();
  t.after(async () => {
    await h.stop();
    await registry.close();
  });
  const few = names(40);
  const res = await post(h, few.map(put));
  assert.deepEqual(res.json.results.map((r: { status: number }) => r.status), few.map(() => 201));
  const bad = await post(h, few.map(put), 'soon' as unknown as number);
  assert.equal(bad.status, 400);
  assert.match(bad.json.error.message, /^invalid X-Fleet-Request-Timeout-Ms "soon": expected a whole number of milliseconds/);
});

test('batchBudget: half the client timeout, the default without one, 400 naming a bad value', () => {
  assert.deepEqual(batchBudget(undefined), { ms: DEFAULT_BATCH_BUDGET_MS });
  assert.deepEqual(batchBudget('3000'), { ms: 1500, clientTimeoutMs: 3000 });
  assert.deepEqual(batchBudget(' 1 '), { ms: 1, clientTimeoutMs: 1 });
  for (const v of ['0', '-5', '1.5', '', '3600001', 'abc']) {
    assert.throws(() => batchBudget(v), (e: unknown) => e instanceof ApiError && e.status === 400 && e.message.includes(JSON.stringify(v)), v);
  }
});

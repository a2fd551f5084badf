/**
 * The per-identity in-flight cap as the chain runs it: an identity's
 * requests beyond its cap wait (others do not), a slot passes to the oldest
 * waiter when a request's handler has its reply, a full queue gets 429 with
 * Retry-After, a client that goes away leaves the queue, and the token-free
 * unix socket is not capped (as it is not rate-limited).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { InflightLimiter, LOCAL_PRINCIPAL, type Principal } from '../../../src/auth/index.js';
import { settle } from '../../../src/clock.js';
import { securityStages } from '../../../src/api/security.js';
import { json, type Reply } from '../../../src/api/reply.js';
import type { Middleware, RequestContext } from '../../../src/api/middleware.js';
import { ApiError } from '../../../src/api/errors.js';
import { createFleetMetrics } from '../../../src/metrics/index.js';

const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

function stage(limiter: InflightLimiter<() => void>, listener: 'unix' | 'tcp' = 'tcp'): Middleware {
  const stages = securityStages({ auth: 'tcp', tokens: { loaded: true, lookup: () => undefined }, inflight: limiter, now: () => 0, logger: quiet, metrics: createFleetMetrics().api });
  return stages({ kind: listener, address: listener === 'unix' ? 'unix:///x.sock' : 'tcp://127.0.0.1:1' }).rateLimit!;
}

const tokenOf = (id: string): Principal => ({ kind: 'token', id, name: id, role: 'read' });

/** One request through `s`: `started` once its handler runs, `finish()` lets the handler answer. */
function send(s: Middleware, principal: Principal) {
  const response = new EventEmitter();
  const rc = { principal, response } as unknown as RequestContext;
  let finish: () => void = () => {};
  let started = false;
  const reply: Promise<Reply> = s(rc, () => {
    started = true;
    return new Promise<Reply>((resolve) => (finish = () => resolve(json(200, {}))));
  });
  reply.catch(() => undefined);
  return { reply, started: () => started, finish: () => finish(), close: () => response.emit('close') };
}

test('beyond its cap an identity waits in its own queue; others are not held; slots pass in arrival order', async () => {
  const limiter = new InflightLimiter<() => void>({ maxInflight: 2, maxQueued: 2 });
  const s = stage(limiter);
  const a = [1, 2, 3, 4].map(() => send(s, tokenOf('a')));
  const b = send(s, tokenOf('b'));
  await settle();
  assert.deepEqual(a.map((r) => r.started()), [true, true, false, false]);
  assert.equal(b.started(), true, 'another identity runs while a waits');
  a[1]!.finish();
  assert.deepEqual(await a[1]!.reply, json(200, {}));
  await settle();
  assert.deepEqual(a.map((r) => r.started()), [true, true, true, false], 'the oldest waiter got the slot');
  a[0]!.finish();
  await settle();
  assert.equal(a[3]!.started(), true);
  for (const r of [a[2]!, a[3]!, b]) r.finish();
  await Promise.all([a[2]!.reply, a[3]!.reply, b.reply]);
  assert.equal(limiter.size, 0, 'nothing held once all answered');
});

test('a full queue is refused with 429 and Retry-After; a client gone while waiting leaves the queue', async () => {
  const limiter = new InflightLimiter<() => void>({ maxInflight: 1, maxQueued: 1 });
  const s = stage(limiter);
  const first = send(s, tokenOf('a'));
  const waiting = send(s, tokenOf('a'));
  const refused = send(s, tokenOf('a'));
  await assert.rejects(refused.reply, (err: unknown) => err instanceof ApiError && err.status === 429 && err.headers['Retry-After'] === '1' && /run 1 requests at once with 1 more waiting/.test(err.message));
  waiting.close();
  await assert.rejects(waiting.reply, (err: unknown) => err instanceof ApiError && err.status === 499);
  assert.deepEqual(limiter.load('token:a'), { running: 1, waiting: 0 });
  const next = send(s, tokenOf('a'));
  first.finish();
  await first.reply;
  await settle();
  assert.equal(next.started(), true, 'the slot went to the next waiter, not the one that left');
  assert.equal(waiting.started(), false);
  next.finish();
  await next.reply;
  assert.equal(limiter.size, 0);
});

test('the token-free unix socket is not capped (like the rate limit, the cap is per token): a local bulk command keeps its own concurrency', async () => {
  const limiter = new InflightLimiter<() => void>({ maxInflight: 1, maxQueued: 4 });
  const s = stage(limiter, 'unix');
  const local = [1, 2, 3].map(() => send(s, LOCAL_PRINCIPAL));
  await settle();
  assert.deepEqual(local.map((r) => r.started()), [true, true, true]);
  assert.equal(limiter.size, 0, 'the limiter never saw them');
  for (const r of local) r.finish();
  await Promise.all(local.map((r) => r.reply));
});

test('a handler that throws gives its slot back', async () => {
  const limiter = new InflightLimiter<() => void>({ maxInflight: 1, maxQueued: 1 });
  const s = stage(limiter);
  const rc = { principal: tokenOf('a'), response: new EventEmitter() } as unknown as RequestContext;
  await assert.rejects(s(rc, () => Promise.reject(new Error('boom'))), /boom/);
  assert.equal(limiter.size, 0);
});

test('the in-flight gauges count running and waiting requests by principal class, never by token id', async () => {
  const limiter = new InflightLimiter<() => void>({ maxInflight: 1, maxQueued: 4 });
  const metrics = createFleetMetrics();
  metrics.api.observeInflight(() => limiter.loadByGroup());
  const stages = securityStages({ auth: 'tcp', tokens: { loaded: true, lookup: () => undefined }, inflight: limiter, now: () => 0, logger: quiet, metrics: metrics.api });
  const s = stages({ kind: 'tcp', address: 'tcp://127.0.0.1:1' }).rateLimit!;
  const operator: Principal = { kind: 'token', id: 'op1', name: 'deploy', role: 'operate' };
  const requests = [send(s, tokenOf('a')), send(s, tokenOf('a')), send(s, tokenOf('a')), send(s, tokenOf('b')), send(s, operator)];
  await settle();
  const lines = (await metrics.render()).text.split('\n').filter((l) => l.startsWith('fleet_api_inflight_'));
  assert.deepEqual(lines.sort(), [
    'fleet_api_inflight_queue_max{principal="operate"} 0',
    'fleet_api_inflight_queue_max{principal="read"} 2',
    'fleet_api_inflight_requests{principal="operate",state="running"} 1',
    'fleet_api_inflight_requests{principal="operate",state="waiting"} 0',
    'fleet_api_inflight_requests{principal="read",state="running"} 2',
    'fleet_api_inflight_requests{principal="read",state="waiting"} 2',
  ]);
  // Each round answers whatever runs; a's waiters get its one slot in turn.
  for (let round = 0; round < 3; round++) {
    for (const r of requests) r.finish();
    await settle();
  }
  await Promise.all(requests.map((r) => r.reply));
  const after = (await metrics.render()).text.split('\n').filter((l) => l.startsWith('fleet_api_inflight_'));
  assert.deepEqual(after, [], 'no series once nothing runs or waits');
});

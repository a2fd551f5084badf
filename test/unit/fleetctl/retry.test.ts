import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Socket } from 'node:net';
import { parseApiEndpoint } from '../../../fleetctl/client/endpoint.js';
import { ApiError, TransportError } from '../../../fleetctl/client/errors.js';
import { HttpFleetClient } from '../../../fleetctl/client/http-client.js';
import { retryDelayMs, withRetry, type RetryPolicy } from '../../../fleetctl/client/retry.js';
import { json, startStub } from './support/stub-server.js';

/** A policy on a fake clock: sleeping advances it, nothing really waits. */
function fakePolicy(budgetMs: number): RetryPolicy & { slept: number[] } {
  let now = 0;
  const slept: number[] = [];
  return { budgetMs, now: () => now, sleep: async (ms) => void (slept.push(ms), (now += ms)), random: () => 0.5, slept };
}

test('retryDelayMs: 50 ms doubling to 1 s, jittered in the upper half', () => {
  assert.deepEqual([0, 1, 2, 3, 4, 5, 9].map((n) => retryDelayMs(n, 0)), [25, 50, 100, 200, 400, 500, 500]);
  assert.deepEqual([0, 5].map((n) => retryDelayMs(n, 0.999)), [50, 1000]);
});

test('withRetry: retries retryable errors within the budget, then gives up saying so; others fail at once', async () => {
  const p = fakePolicy(1000);
  let calls = 0;
  assert.equal(await withRetry(p, async () => (++calls < 4 ? Promise.reject(new ApiError(503, 'busy')) : 'ok')), 'ok');
  assert.equal(calls, 4);
  assert.deepEqual(p.slept, [38, 75, 150]);

  const q = fakePolicy(500);
  await assert.rejects(
    withRetry(q, () => Promise.reject(new ApiError(503, 'fleet server unable to communicate with etcd'))),
    (err: ApiError) => err.status === 503 && /^fleet server unable to communicate with etcd \(gave up after \d+ attempts in 0\.\ds\)$/.test(err.message),
  );
  assert.ok(q.now() <= 500, 'never sleeps past the budget');

  let once = 0;
  await assert.rejects(withRetry(fakePolicy(1000), () => (once++, Promise.reject(new ApiError(404, 'unit does not exist')))), { status: 404, message: 'unit does not exist' });
  assert.equal(once, 1);
  await assert.rejects(withRetry(fakePolicy(0), () => Promise.reject(new ApiError(503, 'x'))), { message: 'x' }, 'budget 0: one attempt, message untouched');
});

test('the API client retries 503 answers and reset connections, and succeeds', async (t) => {
  let n = 0;
  const stub = await startStub('unix', {
    'GET /fleet/v1/units/a.service': (_req, res) => {
      if (++n <= 3) json(res, 503, { error: { code: 503, message: 'fleet server unable to communicate with etcd' } });
      else json(res, 200, { name: 'a.service', desiredState: 'launched', currentState: 'launched' });
    },
  });
  t.after(() => stub.close());
  const client = new HttpFleetClient({ endpoint: parseApiEndpoint(stub.endpoint).endpoint, idleTimeoutMs: 2000 }, { budgetMs: 3000, now: () => Date.now(), sleep: (ms) => new Promise((r) => setTimeout(r, ms)) });
  assert.equal((await client.getUnit('a.service'))?.currentState, 'launched');
  assert.equal(n, 4);

  // A server that resets the first connections.
  let resets = 2;
  const sockets = new Set<Socket>();
  const flaky = createServer((sock) => {
    sockets.add(sock);
    if (resets-- > 0) return void sock.resetAndDestroy();
    sock.once('data', () => sock.end('HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}'));
  });
  await new Promise<void>((r) => flaky.listen(0, '127.0.0.1', r));
  t.after(() => new Promise<void>((r) => (sockets.forEach((s) => s.destroy()), flaky.close(() => r()))));
  const port = (flaky.address() as { port: number }).port;
  const c2 = new HttpFleetClient({ endpoint: parseApiEndpoint(`http://127.0.0.1:${port}`).endpoint, idleTimeoutMs: 2000 }, { budgetMs: 3000, now: () => Date.now(), sleep: (ms) => new Promise((r) => setTimeout(r, ms)) });
  assert.deepEqual(await c2.listMachines(), []);
  assert.equal(resets, -1);

  // Without a budget the first failure is final.
  const c3 = new HttpFleetClient({ endpoint: parseApiEndpoint('unix:///nonexistent/fleet.sock').endpoint, idleTimeoutMs: 2000 });
  await assert.rejects(c3.listUnits(), (err: TransportError) => err instanceof TransportError && !err.retryable);
});

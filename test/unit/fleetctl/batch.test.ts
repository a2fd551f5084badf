/**
 * fleetctl's bulk writes (`writeUnits` over HTTP): batches bounded in size,
 * items the server answered 503 sent again (only those) within the request
 * budget, and one request per unit against a server without batches (fleet,
 * an older fleetd: 405).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError, TransportError } from '../../../fleetctl/client/errors.js';
import { BATCH_MAX_ITEMS, BatchUnsupportedError, splitBatches, TIMED_OUT_RESENDS, writeInBatches, type BatchTransport } from '../../../fleetctl/client/batch.js';
import { HttpFleetClient } from '../../../fleetctl/client/http-client.js';
import { parseApiEndpoint } from '../../../fleetctl/client/endpoint.js';
import type { RetryPolicy } from '../../../fleetctl/client/retry.js';
import type { UnitWriteRequest } from '../../../fleetctl/client/types.js';
import { json, startStub } from './support/stub-server.js';

const items = (n: number): UnitWriteRequest[] => Array.from({ length: n }, (_, i) => ({ kind: 'put', name: `u${i}.service`, options: [], desiredState: 'launched' }));

function fakePolicy(budgetMs: number): RetryPolicy & { slept: number[] } {
  let now = 0;
  const slept: number[] = [];
  return { budgetMs, now: () => now, sleep: async (ms) => void (slept.push(ms), (now += ms)), random: () => 0.5, slept };
}

test('splitBatches: every item once, in order, batches within the item limit', () => {
  const batches = splitBatches(items(BATCH_MAX_ITEMS * 2 + 7));
  assert.deepEqual(batches.map((b) => b.length), [BATCH_MAX_ITEMS, BATCH_MAX_ITEMS, 7]);
  assert.deepEqual(batches.flat(), Array.from({ length: BATCH_MAX_ITEMS * 2 + 7 }, (_, i) => i));
});

test('writeInBatches: items answered 503 go out again (only they), after a pause; outcomes in order', async () => {
  const sent: string[][] = [];
  let busyRounds = 2;
  const retry = fakePolicy(10_000);
  const transport: BatchTransport = {
    retry,
    concurrency: 4,
    send: async (batch) => {
      sent.push(batch.map((b) => b.name));
      const busy = busyRounds-- > 0;
      return batch.map((b) => (b.name === 'u1.service' && busy ? new ApiError(503, 'fleet server unable to communicate with etcd') : b.name === 'u3.service' ? new ApiError(409, 'unit does not exist and options field empty') : undefined));
    },
    single: () => Promise.reject(new Error('not used')),
  };
  const seen: number[] = [];
  const out = await writeInBatches(transport, items(5), (_e, i) => seen.push(i));
  assert.deepEqual(sent, [['u0.service', 'u1.service', 'u2.service', 'u3.service', 'u4.service'], ['u1.service'], ['u1.service']]);
  assert.equal(retry.slept.length, 2);
  assert.deepEqual(out.map((e) => (e instanceof ApiError ? e.status : e)), [undefined, undefined, undefined, 409, undefined]);
  assert.deepEqual(seen, [0, 1, 2, 3, 4]);
});

test('writeInBatches: an item still refused when the budget runs out gets that error; the others are done', async () => {
  const transport: BatchTransport = {
    retry: fakePolicy(300),
    concurrency: 4,
    send: async (batch) => batch.map((b) => (b.name === 'u0.service' ? new ApiError(503, 'busy') : undefined)),
    single: () => Promise.reject(new Error('not used')),
  };
  const out = await writeInBatches(transport, items(3));
  assert.ok(out[0] instanceof ApiError && out[0].status === 503 && /gave up after \d+ attempts/.test(out[0].message), String(out[0]));
  assert.deepEqual(out.slice(1), [undefined, undefined]);
});

test('writeInBatches: a server without batches gets one request per item, every item once', async () => {
  const singles: string[] = [];
  const transport: BatchTransport = {
    retry: fakePolicy(0),
    concurrency: 3,
    send: () => Promise.reject(new BatchUnsupportedError('no batches')),
    single: async (item) => {
      singles.push(item.name);
      if (item.name === 'u2.service') throw new ApiError(404, 'unit does not exist');
    },
  };
  const out = await writeInBatches(transport, items(BATCH_MAX_ITEMS + 5));
  assert.equal(singles.length, BATCH_MAX_ITEMS + 5);
  assert.equal(new Set(singles).size, BATCH_MAX_ITEMS + 5);
  assert.ok(out[2] instanceof ApiError && out[2].status === 404);
  assert.equal(out.filter((e) => e !== undefined).length, 1);
});

test('HttpFleetClient.writeUnits against a fleet API without batches (405): falls back to PUT/DELETE per unit', async (t) => {
  const stub = await startStub('unix', {
    'POST /fleet/v1/units': (_q, res) => json(res, 405, { error: { code: 405, message: 'only GET supported against this resource' } }),
    'PUT /fleet/v1/units/a.service': (_q, res) => void res.writeHead(201).end(),
    'PUT /fleet/v1/units/b.service': (_q, res) => void res.writeHead(204).end(),
    'DELETE /fleet/v1/units/c.service': (_q, res) => json(res, 404, { error: { code: 404, message: 'unit does not exist' } }),
  });
  t.after(() => stub.close());
  const client = new HttpFleetClient({ endpoint: parseApiEndpoint(stub.endpoint).endpoint, idleTimeoutMs: 5000 });
  const out = await client.writeUnits([
    { kind: 'put', name: 'a.service', options: [{ section: 'Service', name: 'ExecStart', value: '/bin/true' }], desiredState: 'launched' },
    { kind: 'put', name: 'b.service', options: [], desiredState: 'loaded' },
    { kind: 'destroy', name: 'c.service' },
  ]);
  assert.deepEqual(out.map((e) => (e instanceof ApiError ? `${e.status} ${e.apiMessage}` : e)), [undefined, undefined, '404 unit does not exist']);
  assert.deepEqual(
    stub.requests.map((r) => r.split('?')[0]).sort(),
    ['DELETE /fleet/v1/units/c.service', 'POST /fleet/v1/units', 'PUT /fleet/v1/units/a.service', 'PUT /fleet/v1/units/b.service'],
  );
});

test('writeInBatches: a server that gets part of each send done before its deadline (503 for the rest) is not given up on while it makes progress', async () => {
  const retry = fakePolicy(300);
  let now = 0;
  const clocked: RetryPolicy = { ...retry, now: () => now + retry.now() };
  const sent: number[] = [];
  const transport: BatchTransport = {
    retry: clocked,
    concurrency: 4,
    // Each send takes 200 ms and gets 40 items done; the rest answer 503 (not started).
    send: async (batch) => {
      now += 200;
      sent.push(batch.length);
      return batch.map((_, k) => (k < 40 ? undefined : new ApiError(503, "not started: the batch's deadline of 1500 ms passed first; send it again")));
    },
    single: () => Promise.reject(new Error('not used')),
  };
  const out = await writeInBatches(transport, items(130));
  assert.deepEqual(out, items(130).map(() => undefined), 'every item done although the sends took longer than the 300 ms budget together');
  assert.deepEqual(sent, [130, 90, 50, 10]);
});

test('a batch request tells the server how long fleetctl waits (X-Fleet-Request-Timeout-Ms = --request-timeout)', async (t) => {
  let header: unknown;
  const stub = await startStub('unix', {
    'POST /fleet/v1/units': (req, res) => {
      header = req.headers['x-fleet-request-timeout-ms'];
      json(res, 200, { results: [{ name: 'a.service', status: 204 }] });
    },
  });
  t.after(() => stub.close());
  const client = new HttpFleetClient({ endpoint: parseApiEndpoint(stub.endpoint).endpoint, idleTimeoutMs: 2500 });
  assert.deepEqual(await client.writeUnits([{ kind: 'destroy', name: 'a.service' }]), [undefined]);
  assert.equal(header, '2500');
});

const noAnswer = () => new TransportError('the fleet API did not answer within 3.0 s', { timedOut: true });

test('writeInBatches: a batch that got no answer in time is sent again; a destroy it may have done (404 now) counts as done, other refusals stay', async () => {
  const sent: string[][] = [];
  const mixed: UnitWriteRequest[] = [
    { kind: 'put', name: 'a.service', options: [], desiredState: 'launched' },
    { kind: 'destroy', name: 'b.service' },
    { kind: 'put', name: 'c.service', options: [], desiredState: 'launched' },
  ];
  const transport: BatchTransport = {
    retry: fakePolicy(3000),
    concurrency: 4,
    send: async (batch) => {
      sent.push(batch.map((b) => b.name));
      // The first send was carried out, but its answer came too late.
      if (sent.length === 1) throw noAnswer();
      return batch.map((b) => (b.name === 'b.service' ? new ApiError(404, 'unit does not exist') : b.name === 'c.service' ? new ApiError(409, 'unit already exists') : undefined));
    },
    single: () => Promise.reject(new Error('not used')),
  };
  const out = await writeInBatches(transport, mixed);
  assert.deepEqual(sent, [['a.service', 'b.service', 'c.service'], ['a.service', 'b.service', 'c.service']]);
  assert.deepEqual(out.map((e) => (e instanceof ApiError ? e.status : e)), [undefined, undefined, 409]);
});

test('writeInBatches: a destroy answered 404 on its first send is still reported (it did not exist)', async () => {
  const transport: BatchTransport = {
    retry: fakePolicy(3000),
    concurrency: 4,
    send: async (batch) => batch.map(() => new ApiError(404, 'unit does not exist')),
    single: () => Promise.reject(new Error('not used')),
  };
  const out = await writeInBatches(transport, [{ kind: 'destroy', name: 'b.service' }]);
  assert.ok(out[0] instanceof ApiError && out[0].status === 404);
});

test('writeInBatches: a server that never answers fails the batch after a bounded number of sends, saying so', async () => {
  let sends = 0;
  const transport: BatchTransport = {
    retry: fakePolicy(3000),
    concurrency: 4,
    send: async () => {
      sends++;
      throw noAnswer();
    },
    single: () => Promise.reject(new Error('not used')),
  };
  const out = await writeInBatches(transport, items(3));
  assert.equal(sends, 1 + TIMED_OUT_RESENDS);
  for (const e of out) assert.ok(e instanceof TransportError && e.message.endsWith(`(no answer to ${1 + TIMED_OUT_RESENDS} sends of this batch)`), String(e));
});

test('HttpFleetClient.writeUnits: a batch whose answer does not come within --request-timeout is sent again and its result used', async (t) => {
  let posts = 0;
  const stub = await startStub('unix', {
    'POST /fleet/v1/units': (_q, res) => {
      // The first answer comes after the client's timeout; the repeat is answered at once.
      if (++posts === 1) setTimeout(() => json(res, 200, { results: [{ name: 'a.service', status: 201 }] }), 600).unref();
      else json(res, 200, { results: [{ name: 'a.service', status: 204 }] });
    },
  });
  t.after(() => stub.close());
  const client = new HttpFleetClient({ endpoint: parseApiEndpoint(stub.endpoint).endpoint, idleTimeoutMs: 250 });
  assert.deepEqual(await client.writeUnits([{ kind: 'put', name: 'a.service', options: [], desiredState: 'launched' }]), [undefined]);
  assert.equal(posts, 2);
});

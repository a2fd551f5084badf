import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { systemClock } from '../../../src/clock.js';
import { webhookNotifier } from '../../../src/events/notify.js';
import type { FleetEvent } from '../../../src/events/types.js';

const event = (n: number): FleetEvent => ({ revision: n, time: '2026-01-01T00:00:00.000Z', type: 'anomaly.unit-failing', unit: `u${n}.service`, message: 'failed' });
const body = (req: IncomingMessage) => new Promise<string>((r) => {
  let s = '';
  req.on('data', (c) => (s += c)).on('end', () => r(s));
});

test('notify_webhook POSTs each event as JSON to a local receiver, retrying a failure with backoff', async () => {
  const got: Array<{ type: string | undefined; body: unknown }> = [];
  let failFirst = true;
  const server = createServer(async (req, res) => {
    const b = await body(req);
    if (failFirst) {
      failFirst = false;
      res.writeHead(500).end();
      return;
    }
    got.push({ type: req.headers['content-type'], body: JSON.parse(b) });
    res.writeHead(204).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const warnings: string[] = [];
  const sink = webhookNotifier({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, clock: systemClock, log: { warn: (_o, m) => void warnings.push(m) }, backoff: { initialMs: 5, maxMs: 20 } });
  try {
    sink.notify(event(1));
    sink.notify(event(2));
    await sink.idle();
    assert.deepEqual(got, [
      { type: 'application/json', body: event(1) },
      { type: 'application/json', body: event(2) },
    ]);
    assert.deepEqual(sink.stats, { delivered: 2, failed: 0, dropped: 0 });
    assert.deepEqual(warnings, []);
  } finally {
    sink.close();
    await new Promise((r) => server.close(r));
  }
});

test('a failing sink never blocks notify: bounded queue, timeout, attempts, then a warning', async () => {
  // A receiver that never answers: each attempt ends by the timeout.
  const server = createServer(() => undefined);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const warnings: string[] = [];
  const sink = webhookNotifier({
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    clock: systemClock,
    log: { warn: (_o, m) => void warnings.push(m) },
    timeoutMs: 50,
    attempts: 2,
    queueLimit: 2,
    backoff: { initialMs: 1, maxMs: 1 },
  });
  try {
    const t0 = performance.now();
    for (let i = 1; i <= 5; i++) sink.notify(event(i));
    assert.ok(performance.now() - t0 < 50, 'notify returns at once');
    await sink.idle();
    // Event 1 went out at once; of 2..5 only the newest two waited (2 dropped).
    assert.deepEqual(sink.stats, { delivered: 0, failed: 3, dropped: 2 });
    assert.equal(warnings.length, 3);
    assert.match(warnings[0]!, /giving up on an event after 2 attempts/);
  } finally {
    sink.close();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
});

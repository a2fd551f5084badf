import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../../src/clock.js';
import { START_BACKOFF, startWithRetry } from '../../../src/fleetd/main.js';
import { ConfigError } from '../../../src/fleetd/config-error.js';

const quiet = { warn: () => undefined };
const unavailable = () => Object.assign(new Error('etcd unreachable'), { retryable: true });

test('start-up retries back off 1 s doubling to 60 s on the injected clock', async () => {
  const clock = new ManualClock();
  const waits: number[] = [];
  let calls = 0;
  const started = startWithRetry(async () => {
    if (++calls < 9) throw unavailable();
    return 'daemon';
  }, { warn: (o: { retryInMs: number }) => void waits.push(o.retryInMs) } as never, new AbortController().signal, clock);
  await clock.advance(1000 + 2000 + 4000 + 8000 + 16000 + 32000 + 60000 + 60000);
  assert.equal(await started, 'daemon');
  assert.deepEqual(waits, [1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000]);
  assert.equal(START_BACKOFF.maxMs, 60_000);
});

test('SIGTERM during a start-up back-off ends it at once with the last error, and clears the timer', async () => {
  const clock = new ManualClock();
  const abort = new AbortController();
  let calls = 0;
  const started = startWithRetry(async () => {
    calls++;
    throw unavailable();
  }, quiet, abort.signal, clock);
  await clock.advance(1000 + 2000 + 4000 + 8000 + 16000 + 32000); // now in a 60 s wait
  assert.equal(calls, 7);
  assert.equal(clock.pendingTimers(), 1);
  abort.abort(); // what fleetd's SIGTERM handler does
  await assert.rejects(started, /etcd unreachable/);
  assert.equal(clock.pendingTimers(), 0, 'the back-off timer is cleared');
  assert.equal(calls, 7, 'no further attempt');
});

test('configuration errors and non-retryable errors are not retried', async () => {
  const clock = new ManualClock();
  await assert.rejects(startWithRetry(async () => { throw new ConfigError('agent_ttl', 'fleet.conf', 'bad'); }, quiet, new AbortController().signal, clock), ConfigError);
  await assert.rejects(startWithRetry(async () => { throw Object.assign(new Error('no'), { retryable: false }); }, quiet, new AbortController().signal, clock), /no/);
  assert.equal(clock.pendingTimers(), 0);
});

/**
 * KeepAliveChannel against a scripted stream: many leases share one stream,
 * answers are matched by lease id, a failed stream rejects its callers with a
 * retryable error and the next call opens a new one.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { ManualClock, settle } from '../../../src/clock.js';
import { KeepAliveChannel, type KeepAliveStream } from '../../../src/registry/etcd-keepalive.js';
import { RegistryClosedError, RegistryUnavailableError } from '../../../src/registry/errors.js';

/** A stand-in for etcd's LeaseKeepAlive stream: records writes, answers when told. */
class FakeStream extends EventEmitter implements KeepAliveStream {
  readonly written: string[] = [];
  canceled = false;
  write(req: { ID: string }): void {
    this.written.push(req.ID);
  }
  cancel(): void {
    this.canceled = true;
  }
  answer(id: string, ttl: number): void {
    this.emit('data', { ID: id, TTL: String(ttl) });
  }
}

function harness(timeoutMs = 5000) {
  const clock = new ManualClock(0);
  const streams: FakeStream[] = [];
  const channel = new KeepAliveChannel(
    async () => {
      const s = new FakeStream();
      streams.push(s);
      return s;
    },
    timeoutMs,
    clock,
  );
  return { clock, streams, channel };
}

/** Records how a promise ended without letting a rejection go unhandled. */
function outcome<T>(p: Promise<T>): { value?: T; error?: Error; done: boolean } {
  const o: { value?: T; error?: Error; done: boolean } = { done: false };
  p.then(
    (v) => Object.assign(o, { value: v, done: true }),
    (e: Error) => Object.assign(o, { error: e, done: true }),
  );
  return o;
}

describe('KeepAliveChannel', () => {
  test('many leases are kept alive over one stream; answers are matched by lease id, in any order', async () => {
    const { streams, channel } = harness();
    const ids = Array.from({ length: 50 }, (_, i) => String(1000 + i));
    const calls = ids.map((id) => outcome(channel.keepAlive(id)));
    await settle();
    assert.equal(streams.length, 1);
    assert.deepEqual(streams[0]!.written, ids);
    for (const [i, id] of [...ids].reverse().entries()) streams[0]!.answer(id, 10 + i);
    await settle();
    assert.deepEqual(
      calls.map((c) => c.value),
      ids.map((_, i) => 10 + (ids.length - 1 - i)),
    );
    // A second round reuses the same stream.
    const again = outcome(channel.keepAlive(ids[0]!));
    await settle();
    streams[0]!.answer(ids[0]!, 30);
    await settle();
    assert.equal(again.value, 30);
    assert.equal(streams.length, 1);
    assert.equal(channel.streamsOpened, 1);
  });

  test('TTL 0 (lease gone) resolves 0 for the caller, as the LeaseKeeper expects', async () => {
    const { streams, channel } = harness();
    const c = outcome(channel.keepAlive('7'));
    await settle();
    streams[0]!.answer('7', 0);
    await settle();
    assert.equal(c.value, 0);
  });

  test('a stream error rejects every waiting caller with a retryable error; the next call opens a new stream', async () => {
    const { streams, channel } = harness();
    const a = outcome(channel.keepAlive('1'));
    const b = outcome(channel.keepAlive('2'));
    await settle();
    const unavailable = Object.assign(new Error('14 UNAVAILABLE: Connection dropped'), { code: 14 });
    streams[0]!.emit('error', unavailable);
    await settle();
    for (const c of [a, b]) {
      assert.ok(c.error instanceof RegistryUnavailableError, String(c.error));
      assert.equal((c.error as RegistryUnavailableError).retryable, true);
    }
    const c = outcome(channel.keepAlive('1'));
    await settle();
    assert.equal(streams.length, 2, 'reopened lazily');
    assert.deepEqual(streams[1]!.written, ['1']);
    streams[1]!.answer('1', 9);
    await settle();
    assert.equal(c.value, 9);
  });

  test('a stream that ends is treated like an error', async () => {
    const { streams, channel } = harness();
    const a = outcome(channel.keepAlive('1'));
    await settle();
    streams[0]!.emit('end');
    await settle();
    assert.ok(a.error instanceof RegistryUnavailableError);
    const b = outcome(channel.keepAlive('1'));
    await settle();
    assert.equal(streams.length, 2);
    streams[1]!.answer('1', 5);
    await settle();
    assert.equal(b.value, 5);
  });

  test('a failed open rejects the caller retryably and the next call tries again', async () => {
    const clock = new ManualClock(0);
    let attempts = 0;
    const stream = new FakeStream();
    const channel = new KeepAliveChannel(
      async () => {
        if (attempts++ === 0) throw Object.assign(new Error('14 UNAVAILABLE: No connection established'), { code: 14 });
        return stream;
      },
      5000,
      clock,
    );
    const a = outcome(channel.keepAlive('1'));
    await settle();
    assert.ok(a.error instanceof RegistryUnavailableError);
    const b = outcome(channel.keepAlive('1'));
    await settle();
    stream.answer('1', 5);
    await settle();
    assert.equal(b.value, 5);
  });

  test('each call has its own deadline; a late answer goes to the caller that timed out, not to the next one', async () => {
    const { clock, streams, channel } = harness(1000);
    const first = outcome(channel.keepAlive('1'));
    await clock.advance(1000);
    assert.ok(first.error instanceof RegistryUnavailableError, 'timed out');
    const second = outcome(channel.keepAlive('1'));
    await settle();
    assert.equal(streams.length, 1, 'a timeout alone does not reopen the stream');
    streams[0]!.answer('1', 3); // the late answer to the first request
    await settle();
    assert.equal(second.done, false, 'not taken by the second caller');
    streams[0]!.answer('1', 4);
    await settle();
    assert.equal(second.value, 4);
    assert.equal(clock.pendingTimers(), 0, 'no deadline timer left behind');
  });

  test('close rejects waiting callers with RegistryClosedError, cancels the stream and refuses later calls', async () => {
    const { streams, channel } = harness();
    const a = outcome(channel.keepAlive('1'));
    await settle();
    channel.close();
    await settle();
    assert.ok(a.error instanceof RegistryClosedError);
    assert.equal(streams[0]!.canceled, true);
    await assert.rejects(channel.keepAlive('1'), RegistryClosedError);
  });
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../../src/clock.js';
import { RateLimiter } from '../../../src/auth/rate-limit.js';

test('burst at once, then qps sustained, with Retry-After until the next token', async () => {
  const clock = new ManualClock(0);
  const rl = new RateLimiter({ qps: 10, burst: 3 }, clock);
  assert.deepEqual([rl.take('a'), rl.take('a'), rl.take('a')].map((d) => d.allowed), [true, true, true]);
  assert.deepEqual(rl.take('a'), { allowed: false, retryAfterMs: 100 });
  await clock.advance(40);
  assert.deepEqual(rl.take('a'), { allowed: false, retryAfterMs: 60 });
  await clock.advance(60);
  assert.equal(rl.take('a').allowed, true);
  assert.equal(rl.take('a').allowed, false);
  // One second later: 10 tokens accrued, but the bucket holds at most `burst`.
  await clock.advance(1000);
  assert.deepEqual([1, 2, 3, 4].map(() => rl.take('a').allowed), [true, true, true, false]);
});

test('identities do not share a bucket', () => {
  const rl = new RateLimiter({ qps: 1, burst: 1 }, new ManualClock(0));
  assert.equal(rl.take('a').allowed, true);
  assert.equal(rl.take('a').allowed, false);
  assert.equal(rl.take('b').allowed, true);
});

test('over a long run the admitted rate is qps (plus the burst)', () => {
  let t = 0;
  const rl = new RateLimiter({ qps: 50, burst: 5 }, { now: () => t });
  let allowed = 0;
  for (; t < 10_000; t++) if (rl.take('x').allowed) allowed++; // 1,000 attempts per second for 10 s
  assert.ok(allowed >= 500 && allowed <= 506, `admitted ${allowed}`);
});

test('memory stays bounded: refilled buckets are swept', async () => {
  const clock = new ManualClock(0);
  const rl = new RateLimiter({ qps: 100, burst: 2 }, clock);
  for (let i = 0; i < 5000; i++) {
    rl.take(`id${i}`);
    if (i % 100 === 0) await clock.advance(50);
  }
  assert.ok(rl.size <= 1100, `kept ${rl.size} buckets`);
});

test('limits must be positive', () => {
  assert.throws(() => new RateLimiter({ qps: 0, burst: 1 }, new ManualClock()), /qps/);
  assert.throws(() => new RateLimiter({ qps: 1, burst: 0 }, new ManualClock()), /burst/);
});

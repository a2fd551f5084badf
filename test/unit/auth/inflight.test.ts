import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { InflightLimiter } from '../../../src/auth/inflight.js';

test('acquire/release decisions, table', () => {
  // Each step: an action on identity `a` or `b` and what it must answer.
  const rows: Array<[string, () => unknown, unknown]> = [];
  const l = new InflightLimiter<string>({ maxInflight: 2, maxQueued: 1 });
  rows.push(['a1 runs', () => l.acquire('a', 'a1'), 'run']);
  rows.push(['a2 runs', () => l.acquire('a', 'a2'), 'run']);
  rows.push(['a3 waits: a is at its cap', () => l.acquire('a', 'a3'), 'queued']);
  rows.push(['a4 refused: a queue full', () => l.acquire('a', 'a4'), 'full']);
  rows.push(['b1 runs: b has its own slots', () => l.acquire('b', 'b1'), 'run']);
  rows.push(['a release hands the slot to a3', () => l.release('a'), 'a3']);
  rows.push(['a still runs 2, none waiting', () => l.load('a'), { running: 2, waiting: 0 }]);
  rows.push(['a release frees a slot', () => l.release('a'), undefined]);
  rows.push(['a release frees the last', () => l.release('a'), undefined]);
  rows.push(['an idle identity holds no entry', () => l.size, 1]);
  rows.push(['b release', () => l.release('b'), undefined]);
  rows.push(['nothing held', () => l.size, 0]);
  for (const [what, act, expected] of rows) assert.deepEqual(act(), expected, what);
});

test('a cancelled waiter is skipped; cancel after the hand-over says false', () => {
  const l = new InflightLimiter<string>({ maxInflight: 1, maxQueued: 5 });
  assert.equal(l.acquire('a', 'w0'), 'run');
  assert.equal(l.acquire('a', 'w1'), 'queued');
  assert.equal(l.acquire('a', 'w2'), 'queued');
  assert.equal(l.cancel('a', 'w1'), true);
  assert.equal(l.cancel('a', 'w1'), false);
  assert.equal(l.release('a'), 'w2');
  assert.equal(l.cancel('a', 'w2'), false);
  assert.equal(l.release('a'), undefined);
  assert.equal(l.size, 0);
});

test('maxQueued 0 refuses instead of queueing; bad limits and a stray release throw', () => {
  const l = new InflightLimiter<number>({ maxInflight: 1, maxQueued: 0 });
  assert.equal(l.acquire('a', 1), 'run');
  assert.equal(l.acquire('a', 2), 'full');
  assert.throws(() => l.release('b'), /nothing running/);
  assert.throws(() => new InflightLimiter({ maxInflight: 0, maxQueued: 1 }), /maxInflight/);
  assert.throws(() => new InflightLimiter({ maxInflight: 1.5, maxQueued: 1 }), /maxInflight/);
  assert.throws(() => new InflightLimiter({ maxInflight: 1, maxQueued: -1 }), /maxQueued/);
});

test('property: no identity ever runs more than its cap, waiters get slots in arrival order, nothing is lost', () => {
  const op = fc.oneof(
    fc.record({ kind: fc.constant('acquire' as const), key: fc.constantFrom('a', 'b', 'c') }),
    fc.record({ kind: fc.constant('release' as const), key: fc.constantFrom('a', 'b', 'c') }),
    fc.record({ kind: fc.constant('cancel' as const), key: fc.constantFrom('a', 'b', 'c'), pick: fc.nat() }),
  );
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 0, max: 4 }), fc.array(op, { maxLength: 200 }), (maxInflight, maxQueued, ops) => {
      const l = new InflightLimiter<number>({ maxInflight, maxQueued });
      // The model: per key, the requests running and the ones waiting in arrival order.
      const running = new Map<string, number>();
      const waiting = new Map<string, number[]>();
      let seq = 0;
      for (const o of ops) {
        const run = running.get(o.key) ?? 0;
        const wait = waiting.get(o.key) ?? [];
        if (o.kind === 'acquire') {
          const id = seq++;
          const d = l.acquire(o.key, id);
          if (d === 'run') running.set(o.key, run + 1);
          if (d === 'queued') waiting.set(o.key, [...wait, id]);
          assert.equal(d, run < maxInflight ? 'run' : wait.length < maxQueued ? 'queued' : 'full');
        } else if (o.kind === 'release') {
          if (run === 0) continue;
          const next = l.release(o.key);
          // FIFO per key: the slot goes to the oldest waiter still waiting.
          assert.equal(next, wait[0]);
          if (next === undefined) running.set(o.key, run - 1);
          else waiting.set(o.key, wait.slice(1));
        } else {
          if (wait.length === 0) continue;
          const victim = wait[o.pick % wait.length]!;
          assert.equal(l.cancel(o.key, victim), true);
          waiting.set(o.key, wait.filter((w) => w !== victim));
        }
        for (const k of ['a', 'b', 'c']) {
          const load = l.load(k);
          assert.ok(load.running <= maxInflight, `${k} runs ${load.running} > cap ${maxInflight}`);
          assert.ok(load.waiting <= maxQueued);
          assert.deepEqual(load, { running: running.get(k) ?? 0, waiting: (waiting.get(k) ?? []).length });
        }
      }
    }),
  );
});

test('loadByGroup sums identities by the group their first request named; idle identities are absent', () => {
  const l = new InflightLimiter<number>({ maxInflight: 1, maxQueued: 5 });
  l.acquire('token:a', 1, 'read');
  l.acquire('token:a', 2, 'read');
  l.acquire('token:a', 3, 'read');
  l.acquire('token:b', 4, 'read');
  l.acquire('token:b', 5, 'read');
  l.acquire('local', 6);
  assert.deepEqual(
    l.loadByGroup(),
    new Map([
      ['read', { running: 2, waiting: 3, maxWaiting: 2 }],
      ['local', { running: 1, waiting: 0, maxWaiting: 0 }],
    ]),
  );
  l.release('local');
  l.release('token:b');
  l.release('token:b');
  assert.deepEqual(l.loadByGroup(), new Map([['read', { running: 1, waiting: 2, maxWaiting: 2 }]]));
});

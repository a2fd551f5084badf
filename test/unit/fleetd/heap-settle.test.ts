import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { ManualClock } from '../../../src/clock.js';
import { DEFAULT_HEAP_SETTLE_POLICY, INITIAL_HEAP_SETTLE_STATE, planHeapSettle, startHeapSettler, type HeapSettleState } from '../../../src/fleetd/heap-settle.js';

const MiB = 1024 * 1024;
const policy = DEFAULT_HEAP_SETTLE_POLICY;

test('planHeapSettle: on a quiet tick, after a burst once the heap grew 2 MiB and 10 s passed; while idle 4 MiB and 60 s; never while busy', () => {
  const after = (lastCollectMs: number, lowestMiB: number, burst: boolean): HeapSettleState => ({ burst, lastCollectMs, lowestBytes: lowestMiB * MiB });
  const cases: { name: string; state: HeapSettleState; atMs: number; utilization: number; committedMiB: number; collect: boolean; lowestMiB: number; burst: boolean }[] = [
    { name: 'first tick: nothing to compare with', state: INITIAL_HEAP_SETTLE_STATE, atMs: 500, utilization: 0, committedMiB: 30, collect: false, lowestMiB: 30, burst: false },
    { name: 'a busy tick marks a burst, no collection while busy', state: after(0, 20, false), atMs: 60_000, utilization: 0.5, committedMiB: 30, collect: false, lowestMiB: 20, burst: true },
    { name: 'the first quiet tick after a burst, grown 2 MiB', state: after(0, 20, true), atMs: 10_000, utilization: 0.01, committedMiB: 22, collect: true, lowestMiB: Infinity, burst: false },
    { name: 'after a burst, grown less than 2 MiB', state: after(0, 20, true), atMs: 60_000, utilization: 0.01, committedMiB: 21.9, collect: false, lowestMiB: 20, burst: true },
    { name: 'a tick 49 % busy (a /metrics scrape) is no burst', state: after(0, 20, false), atMs: 60_000, utilization: 0.49, committedMiB: 30, collect: false, lowestMiB: 20, burst: false },
    { name: 'after a burst, but neither quiet nor busy', state: after(0, 20, true), atMs: 60_000, utilization: 0.05, committedMiB: 30, collect: false, lowestMiB: 20, burst: true },
    { name: 'after a burst, but the last collection was under 10 s ago', state: after(5_000, 20, true), atMs: 14_999, utilization: 0, committedMiB: 30, collect: false, lowestMiB: 20, burst: true },
    { name: 'idle, grown 4 MiB, 60 s since the last collection', state: after(0, 20, false), atMs: 60_000, utilization: 0.01, committedMiB: 24, collect: true, lowestMiB: Infinity, burst: false },
    { name: 'idle, grown 3.9 MiB', state: after(0, 20, false), atMs: 90_000, utilization: 0.01, committedMiB: 23.9, collect: false, lowestMiB: 20, burst: false },
    { name: 'idle, grown 10 MiB, but only 59 s since the last collection', state: after(1_000, 20, false), atMs: 60_999, utilization: 0.01, committedMiB: 30, collect: false, lowestMiB: 20, burst: false },
    { name: 'the heap shrank on its own: the lowest point follows it', state: after(0, 25, false), atMs: 60_000, utilization: 0, committedMiB: 21, collect: false, lowestMiB: 21, burst: false },
    { name: 'before any collection, growth since start counts', state: { ...INITIAL_HEAP_SETTLE_STATE, burst: true, lowestBytes: 17 * MiB }, atMs: 3_000, utilization: 0.002, committedMiB: 28, collect: true, lowestMiB: Infinity, burst: false },
  ];
  for (const c of cases) {
    const plan = planHeapSettle(c.state, { atMs: c.atMs, utilization: c.utilization, committedBytes: c.committedMiB * MiB }, policy);
    assert.equal(plan.collect, c.collect, c.name);
    assert.deepEqual(plan.state, { burst: c.burst, lowestBytes: c.lowestMiB * MiB, lastCollectMs: c.collect ? c.atMs : c.state.lastCollectMs }, c.name);
  }
});

test('startHeapSettler samples every tick on the injected clock, collects when the plan says so, and stops', async () => {
  const clock = new ManualClock();
  // A burst (busy, the heap growing), then quiet.
  const ticks = [
    { utilization: 0.1, committedMiB: 20 },
    { utilization: 0.9, committedMiB: 24 },
    { utilization: 0.8, committedMiB: 28 },
    { utilization: 0.01, committedMiB: 28 },
    { utilization: 0.01, committedMiB: 28 },
  ];
  const tickNow = (): { utilization: number; committedMiB: number } => ticks[Math.round(clock.now() / policy.tickMs) - 1] ?? { utilization: 0.01, committedMiB: 28 };
  let collected = false;
  const collections: { beforeBytes: number; afterBytes: number }[] = [];
  const settler = startHeapSettler({
    clock,
    gc: () => void (collected = true),
    utilization: () => tickNow().utilization,
    committedBytes: () => (collected ? 19 : tickNow().committedMiB) * MiB,
    onCollect: ({ beforeBytes, afterBytes }) => void collections.push({ beforeBytes, afterBytes }),
  });
  await clock.advance(3 * policy.tickMs);
  assert.deepEqual(collections, [], 'no collection while busy');
  await clock.advance(policy.tickMs);
  assert.deepEqual(collections, [{ beforeBytes: 28 * MiB, afterBytes: 19 * MiB }], 'one on the first quiet tick');
  await clock.advance(policy.idle.minIntervalMs * 2);
  assert.equal(collections.length, 1, 'not again without growth');
  settler.stop();
  assert.equal(clock.pendingTimers(), 0);
});

test('compactingGc: with --expose-gc, one collection leaves about the live heap committed where a plain gc() leaves the half-empty pages', () => {
  // A child process (gc needs --expose-gc): a heap in which every other
  // object of a burst survives, collected once normally (every page stays
  // half full), then settled. A second plain gc() here leaves ~95 % of the
  // committed heap (53 of 56 MiB); compacting, ~55 % (31 MiB for 28 live).
  const script = `
    const { compactingGc } = await import(${JSON.stringify(new URL('../../../src/fleetd/heap-settle.js', import.meta.url).href)});
    const { getHeapStatistics } = await import('node:v8');
    globalThis.keep = [];
    let junk = [];
    for (let i = 0; i < 400000; i++) { const o = { a: 'x' + i, b: [i] }; if (i % 2 === 0) keep.push(o); else junk.push(o); }
    junk = null;
    gc();
    const plain = getHeapStatistics();
    compactingGc()();
    const settled = getHeapStatistics();
    process.stdout.write(JSON.stringify({ plain: plain.total_heap_size, settled: settled.total_heap_size, live: settled.used_heap_size }));
  `;
  const out = JSON.parse(execFileSync(process.execPath, ['--expose-gc', '--max-semi-space-size=1', '--input-type=module', '-e', script], { encoding: 'utf8' })) as { plain: number; settled: number; live: number };
  assert.ok(out.settled < out.plain * 0.7, `committed after a plain gc() ${(out.plain / MiB).toFixed(1)} MiB, compacted ${(out.settled / MiB).toFixed(1)} MiB`);
  assert.ok(out.settled < out.live + 8 * MiB, `compacted ${(out.settled / MiB).toFixed(1)} MiB for ${(out.live / MiB).toFixed(1)} MiB live`);
});

test('compactingGc is undefined without --expose-gc (fleetd then keeps V8 defaults)', async () => {
  const script = `const { compactingGc } = await import(${JSON.stringify(new URL('../../../src/fleetd/heap-settle.js', import.meta.url).href)}); process.stdout.write(String(compactingGc() === undefined));`;
  assert.equal(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' }), 'true');
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { ManualClock } from '../../../src/clock.js';
import { DEFAULT_HEAP_SETTLE_POLICY, INITIAL_HEAP_SETTLE_STATE, planHeapSettle, startHeapSettler, type HeapSettleState } from '../../../src/fleetd/heap-settle.js';

const MiB = 1024 * 1024;
const policy = DEFAULT_HEAP_SETTLE_POLICY;

test('planHeapSettle: on the second quiet tick in a row, after a burst once the heap grew 2 MiB and 5 s passed; while idle 4 MiB and 60 s; never while busy', () => {
  type Prior = { lastCollectMs: number; lowestMiB: number; burst: boolean; workMs?: number; quietRun?: number };
  const after = (p: Prior): HeapSettleState => ({ burst: p.burst, workMs: p.workMs ?? 0, quietRun: p.quietRun ?? 1, lastCollectMs: p.lastCollectMs, lowestBytes: p.lowestMiB * MiB });
  const cases: { name: string; state: HeapSettleState; atMs: number; utilization: number; committedMiB: number; collect: boolean; next?: Partial<HeapSettleState> }[] = [
    { name: 'first tick: nothing to compare with', state: INITIAL_HEAP_SETTLE_STATE, atMs: 500, utilization: 0, committedMiB: 30, collect: false, next: { lowestBytes: 30 * MiB, quietRun: 1 } },
    { name: 'a busy tick marks a burst, no collection while busy', state: after({ lastCollectMs: 0, lowestMiB: 20, burst: false }), atMs: 60_000, utilization: 0.5, committedMiB: 30, collect: false, next: { burst: true, quietRun: 0, workMs: 250 } },
    { name: 'the second quiet tick after a burst, grown 2 MiB', state: after({ lastCollectMs: 0, lowestMiB: 20, burst: true }), atMs: 5_000, utilization: 0.01, committedMiB: 22, collect: true },
    { name: 'the first quiet tick after a burst waits for a second one', state: after({ lastCollectMs: 0, lowestMiB: 20, burst: true, quietRun: 0 }), atMs: 60_000, utilization: 0.01, committedMiB: 30, collect: false, next: { quietRun: 1, workMs: 5 } },
    { name: 'after a burst, grown less than 2 MiB', state: after({ lastCollectMs: 0, lowestMiB: 20, burst: true }), atMs: 60_000, utilization: 0.01, committedMiB: 21.9, collect: false, next: { quietRun: 2, workMs: 5 } },
    { name: 'a tick 49 % busy (a /metrics scrape) is no burst', state: after({ lastCollectMs: 0, lowestMiB: 20, burst: false }), atMs: 60_000, utilization: 0.49, committedMiB: 30, collect: false, next: { quietRun: 0, workMs: 245 } },
    { name: 'after a burst, but neither quiet nor busy', state: after({ lastCollectMs: 0, lowestMiB: 20, burst: true }), atMs: 60_000, utilization: 0.05, committedMiB: 30, collect: false, next: { quietRun: 0, workMs: 25 } },
    { name: 'after a burst, but the last collection was under 5 s ago', state: after({ lastCollectMs: 5_000, lowestMiB: 20, burst: true }), atMs: 9_999, utilization: 0, committedMiB: 30, collect: false, next: { quietRun: 2 } },
    {
      name: 'no busy tick, but 5 s of event-loop time since the last collection: a burst (a start trickling on a loaded machine)',
      state: after({ lastCollectMs: 0, lowestMiB: 20, burst: false, workMs: 4_996 }),
      atMs: 30_000,
      utilization: 0.01,
      committedMiB: 22,
      collect: true,
    },
    { name: 'idle, 4.99 s of work, grown 2 MiB: not yet', state: after({ lastCollectMs: 0, lowestMiB: 20, burst: false, workMs: 4_985 }), atMs: 30_000, utilization: 0.01, committedMiB: 22, collect: false, next: { workMs: 4_990, quietRun: 2 } },
    { name: 'idle, grown 4 MiB, 60 s since the last collection', state: after({ lastCollectMs: 0, lowestMiB: 20, burst: false }), atMs: 60_000, utilization: 0.01, committedMiB: 24, collect: true },
    { name: 'idle, grown 3.9 MiB', state: after({ lastCollectMs: 0, lowestMiB: 20, burst: false }), atMs: 90_000, utilization: 0.01, committedMiB: 23.9, collect: false, next: { quietRun: 2, workMs: 5 } },
    { name: 'idle, grown 10 MiB, but only 59 s since the last collection', state: after({ lastCollectMs: 1_000, lowestMiB: 20, burst: false }), atMs: 60_999, utilization: 0.01, committedMiB: 30, collect: false, next: { quietRun: 2, workMs: 5 } },
    { name: 'the heap shrank on its own: the lowest point follows it', state: after({ lastCollectMs: 0, lowestMiB: 25, burst: false }), atMs: 60_000, utilization: 0, committedMiB: 21, collect: false, next: { lowestBytes: 21 * MiB, quietRun: 2 } },
    { name: 'before any collection, growth since start counts', state: { ...INITIAL_HEAP_SETTLE_STATE, burst: true, quietRun: 1, lowestBytes: 17 * MiB }, atMs: 3_000, utilization: 0.002, committedMiB: 28, collect: true },
  ];
  for (const c of cases) {
    const plan = planHeapSettle(c.state, { atMs: c.atMs, utilization: c.utilization, tickMs: policy.tickMs, committedBytes: c.committedMiB * MiB }, policy);
    assert.equal(plan.collect, c.collect, c.name);
    const expected = c.collect ? { ...INITIAL_HEAP_SETTLE_STATE, lastCollectMs: c.atMs } : { ...c.state, ...c.next };
    assert.deepEqual({ ...plan.state, workMs: Math.round(plan.state.workMs) }, expected, c.name);
  }
});

test('planHeapSettle: a process that stays quiet and does not grow is never collected twice, whatever the ticks', () => {
  let state = INITIAL_HEAP_SETTLE_STATE;
  let collections = 0;
  for (let i = 1; i <= 10_000; i++) {
    // Busy and quiet ticks alternating in runs, the heap at 30 MiB throughout: one collection at most.
    const utilization = i % 7 < 2 ? 0.9 : 0;
    const plan = planHeapSettle(state, { atMs: i * policy.tickMs, utilization, tickMs: policy.tickMs, committedBytes: (i < 3 ? 20 : 30) * MiB }, policy);
    state = plan.state;
    if (plan.collect) collections++;
  }
  assert.equal(collections, 1);
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
  assert.deepEqual(collections, [], 'not on the first quiet tick');
  await clock.advance(policy.tickMs);
  assert.deepEqual(collections, [{ beforeBytes: 28 * MiB, afterBytes: 19 * MiB }], 'one on the second quiet tick in a row');
  await clock.advance(policy.idle.minIntervalMs * 2);
  assert.equal(collections.length, 1, 'not again without growth');
  settler.stop();
  assert.equal(clock.pendingTimers(), 0);
});

test('compactingGc: with --expose-gc, it leaves about the live heap committed where a plain gc() leaves the pages a burst emptied, without holding the heap twice meanwhile', () => {
  // A child process (gc needs --expose-gc): a dense heap, then a burst of
  // which one object in twelve survives (spread over every page the burst
  // filled), collected once normally (V8 keeps most of those pages), then
  // settled. Here a plain gc() leaves ~38 MiB committed, settling ~30 MiB;
  // the peak resident memory (VmHWM, reset just before) rises ~0.2 MiB while
  // settling, where a collection that moves every live object
  // (--compact-on-every-full-gc) rises ~25 MiB.
  const script = `
    const { compactingGc } = await import(${JSON.stringify(new URL('../../../src/fleetd/heap-settle.js', import.meta.url).href)});
    const { getHeapStatistics } = await import('node:v8');
    const { readFileSync, writeFileSync } = await import('node:fs');
    const kib = (k) => Number(readFileSync('/proc/self/status', 'utf8').split('\\n').find((l) => l.startsWith(k + ':')).split(/ +/)[1]) * 1024;
    globalThis.keep = [];
    for (let i = 0; i < 120000; i++) keep.push({ a: 'y' + i, b: [i], c: { d: i } });
    gc();
    for (let r = 0; r < 8; r++) { let junk = []; for (let i = 0; i < 40000; i++) { const o = { a: 'x' + i + r, b: [i, r], c: { d: i } }; if (i % 12 === 0) keep.push(o); else junk.push(o); } junk = null; }
    gc();
    const plain = getHeapStatistics();
    writeFileSync('/proc/self/clear_refs', '5');
    const rss = kib('VmRSS');
    compactingGc()();
    const rise = kib('VmHWM') - rss;
    const settled = getHeapStatistics();
    process.stdout.write(JSON.stringify({ plain: plain.total_heap_size, settled: settled.total_heap_size, live: settled.used_heap_size, rise }));
  `;
  const out = JSON.parse(execFileSync(process.execPath, ['--expose-gc', '--max-semi-space-size=1', '--input-type=module', '-e', script], { encoding: 'utf8' })) as { plain: number; settled: number; live: number; rise: number };
  const mib = (b: number): string => (b / MiB).toFixed(1);
  assert.ok(out.settled < out.plain * 0.9, `committed after a plain gc() ${mib(out.plain)} MiB, settled ${mib(out.settled)} MiB`);
  assert.ok(out.settled < out.live + 6 * MiB, `settled ${mib(out.settled)} MiB for ${mib(out.live)} MiB live`);
  assert.ok(out.rise < 8 * MiB, `peak resident memory rose ${mib(out.rise)} MiB while settling ${mib(out.live)} MiB live`);
});

test('compactingGc is undefined without --expose-gc (fleetd then keeps V8 defaults)', async () => {
  const script = `const { compactingGc } = await import(${JSON.stringify(new URL('../../../src/fleetd/heap-settle.js', import.meta.url).href)}); process.stdout.write(String(compactingGc() === undefined));`;
  assert.equal(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' }), 'true');
});

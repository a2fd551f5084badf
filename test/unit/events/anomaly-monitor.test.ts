import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../../src/clock.js';
import { AnomalyMonitor } from '../../../src/events/anomaly-monitor.js';
import type { FleetEvent } from '../../../src/events/types.js';
import { createMemoryRegistry, encodeState } from '../../../src/registry/index.js';

const until = async (check: () => boolean) => {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 5));
  assert.ok(check());
};

test('the leader records each anomaly once in engine/anomaly (an anomaly.* event in the stream) and notifies; a follower does nothing', async () => {
  const clock = new ManualClock(Date.parse('2026-01-01T00:00:00Z'));
  const r = createMemoryRegistry({ clock });
  const a = r.election({ machineId: 'ma', ttlSeconds: 5 });
  const b = r.election({ machineId: 'mb', ttlSeconds: 5 });
  const notified: Record<string, FleetEvent[]> = { ma: [], mb: [] };
  const monitor = (election: typeof a, id: string) =>
    new AnomalyMonitor({
      election,
      engine: r.engine,
      api: r.api,
      thresholds: { flapRestarts: 3, flapWindowMs: 60_000, unplacedAfterMs: 30_000, machineLostAfterMs: 10_000 },
      clock,
      notifiers: [{ notify: (e) => void notified[id]!.push(e), close: () => undefined }],
      log: { warn: () => undefined },
    });
  const ma = monitor(a, 'ma');
  const mb = monitor(b, 'mb');
  ma.start();
  mb.start();
  await a.start();
  await b.start();
  assert.ok(a.isLeader && !b.isLeader);
  const seen: FleetEvent[] = [];
  const { deriveBatch } = await import('../../../src/events/derive.js');
  const sub = r.api.watchChanges((await r.api.headRevision()) + 1n, { onEvents: (c) => seen.push(...deriveBatch(c, clock.now()).filter((e) => e.type.startsWith('anomaly.'))), onResync: () => assert.fail() });
  try {
    await new Promise((res) => setTimeout(res, 10)); // the monitor's watch opened
    const idle = await r.api.headRevision();
    const put = (activeState: 'failed' | 'active') =>
      r.kv.txn([], [{ type: 'put', key: r.layout.state('a.service', 'm1'), value: encodeState({ name: 'a.service', machineId: 'm1', loadState: 'loaded', activeState, subState: activeState === 'failed' ? 'failed' : 'running', hash: 'h', timestamp: clock.now() }) }]);
    await put('active');
    await put('failed');
    await until(() => notified['ma']!.length === 1);
    assert.equal(notified['ma']![0]!.type, 'anomaly.unit-failing');
    await until(() => seen.length === 1);
    assert.deepEqual(seen[0], notified['ma']![0], 'the stream and the notifiers see the same event');
    // A machine that leaves: lost after the threshold, on the manual clock.
    await r.kv.txn([], [{ type: 'put', key: r.layout.machine('m9'), value: JSON.stringify({ id: 'm9', publicIP: '', metadata: {}, version: '1', capabilities: {} }) }]);
    await r.kv.txn([], [{ type: 'delete', key: r.layout.machine('m9') }]);
    await new Promise((res) => setTimeout(res, 10));
    clock.advance(10_000);
    await until(() => notified['ma']!.length === 2);
    assert.equal((notified['ma']![1] as { message?: string }).message, 'machine m9 left 10 s ago and has not come back');
    assert.deepEqual(notified['mb'], [], 'a follower detects nothing');
    // Nothing happening writes nothing (once the detectors' memory of the loss is stored, a second later).
    await clock.advance(1000);
    await new Promise((res) => setTimeout(res, 10));
    const head = await r.api.headRevision();
    clock.advance(600_000);
    await new Promise((res) => setTimeout(res, 10));
    assert.equal(await r.api.headRevision(), head);
    assert.ok(idle < head);
  } finally {
    await sub.close();
    ma.stop();
    mb.stop();
    await a.stop();
    await b.stop();
    await r.close();
  }
});

test('a new leader says the loss of the previous leader whose machine record went before it took over', async () => {
  const clock = new ManualClock(Date.parse('2026-01-01T00:00:00Z'));
  const r = createMemoryRegistry({ clock });
  const a = r.election({ machineId: 'ma', ttlSeconds: 5 });
  const b = r.election({ machineId: 'mb', ttlSeconds: 5 });
  const notified: FleetEvent[] = [];
  const mb = new AnomalyMonitor({
    election: b,
    engine: r.engine,
    api: r.api,
    thresholds: { flapRestarts: 3, flapWindowMs: 60_000, unplacedAfterMs: 30_000, machineLostAfterMs: 10_000 },
    clock,
    notifiers: [{ notify: (e) => void notified.push(e), close: () => undefined }],
    log: { warn: () => undefined },
  });
  const record = (id: string) => JSON.stringify({ id, publicIP: '', metadata: {}, version: '1', capabilities: {} });
  try {
    await r.kv.txn([], [{ type: 'put', key: r.layout.machine('ma'), value: record('ma') }, { type: 'put', key: r.layout.machine('mb'), value: record('mb') }]);
    mb.start();
    await a.start();
    await b.start();
    assert.ok(a.isLeader && !b.isLeader);
    // ma's host dies: its machine record goes first, then its leadership.
    await r.kv.txn([], [{ type: 'delete', key: r.layout.machine('ma') }]);
    await a.stop();
    await until(() => b.isLeader && notified.some((e) => e.type === 'anomaly.leader-changed'));
    await until(() => {
      clock.advance(1000);
      return notified.some((e) => e.type === 'anomaly.machine-lost');
    });
    const lost = notified.find((e) => e.type === 'anomaly.machine-lost') as { machine?: string; message?: string };
    assert.equal(lost.machine, 'ma');
    assert.match(lost.message ?? '', /^machine ma left 1\d s ago and has not come back$/);
  } finally {
    mb.stop();
    await a.stop();
    await b.stop();
    await r.close();
  }
});

test('a new leader goes on from the detectors\' memory the previous one stored: restarts counted and waiting times survive a failover', async () => {
  const clock = new ManualClock(Date.parse('2026-01-01T00:00:00Z'));
  const r = createMemoryRegistry({ clock });
  const a = r.election({ machineId: 'ma', ttlSeconds: 5 });
  const b = r.election({ machineId: 'mb', ttlSeconds: 5 });
  const notified: FleetEvent[] = [];
  const monitor = (election: typeof a) =>
    new AnomalyMonitor({
      election,
      engine: r.engine,
      api: r.api,
      thresholds: { flapRestarts: 3, flapWindowMs: 600_000, unplacedAfterMs: 60_000, machineLostAfterMs: 600_000 },
      clock,
      notifiers: [{ notify: (e) => void notified.push(e), close: () => undefined }],
      log: { warn: () => undefined },
    });
  const ma = monitor(a);
  const mb = monitor(b);
  const report = (restarts: number) =>
    r.kv.txn([], [{ type: 'put', key: r.layout.state('flap.service', 'm1'), value: encodeState({ name: 'flap.service', machineId: 'm1', loadState: 'loaded', activeState: 'active', subState: 'running', hash: 'h', timestamp: clock.now(), restarts }) }]);
  const settle = () => new Promise((res) => setTimeout(res, 10));
  try {
    ma.start();
    mb.start();
    await a.start();
    await b.start();
    assert.ok(a.isLeader);
    await settle();
    const idle = await r.api.headRevision();
    // ma sees two restarts (of three for flapping) and a unit it cannot place (60 s to wait).
    for (const n of [0, 1, 2]) {
      await report(n);
      await settle();
    }
    await r.kv.txn([], [{ type: 'put', key: r.layout.unplaced('stuck.service'), value: JSON.stringify({ name: 'stuck.service', hash: 'h', status: 'unschedulable', message: '0 of 3 machines eligible' }) }]);
    await settle();
    await clock.advance(1000); // the memory is stored a second after it changed
    await settle();
    assert.ok((await r.kv.get(r.layout.anomalyMemory())).kv !== undefined, 'memory stored');
    assert.ok((await r.api.headRevision()) > idle);
    // Failover 20 s after the unit became unplaceable.
    await clock.advance(19_000);
    ma.stop();
    await a.stop();
    await until(() => b.isLeader);
    await settle();
    await settle();
    // One more restart is the third within the window: flapping, although mb saw only one.
    await report(3);
    await until(() => notified.some((e) => e.type === 'anomaly.unit-flapping'));
    assert.match((notified.find((e) => e.type === 'anomaly.unit-flapping') as { message?: string }).message ?? '', /restarted 3 times/);
    // The unit waits since before the failover: said 60 s after it began, not 60 s after the takeover.
    await clock.advance(40_000);
    await until(() => notified.some((e) => e.type === 'anomaly.unit-unplaced'));
    assert.match((notified.find((e) => e.type === 'anomaly.unit-unplaced') as { message?: string }).message ?? '', /could not be placed for 6\d s/);
  } finally {
    ma.stop();
    mb.stop();
    await a.stop();
    await b.stop();
    await r.close();
  }
});

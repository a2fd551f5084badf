import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AnomalyDetector, leaderChangedAnomaly } from '../../../src/events/anomalies.js';
import type { FleetEvent } from '../../../src/events/types.js';

const T = { flapRestarts: 3, flapWindowMs: 60_000, unplacedAfterMs: 30_000, machineLostAfterMs: 10_000 };
const base = { revision: 1, time: '' };
const state = (activeState: string, previous?: string, restarts?: number): FleetEvent =>
  ({
    ...base,
    type: 'unit.state',
    unit: 'a.service',
    machine: 'm1',
    hash: 'h',
    loadState: 'loaded',
    activeState,
    subState: activeState === 'active' ? 'running' : 'dead',
    ...(previous !== undefined ? { previous: { loadState: 'loaded', activeState: previous, subState: 'x' } } : {}),
    ...(restarts !== undefined ? { restarts } : {}),
  }) as FleetEvent;
const kinds = (records: { anomaly: string; message: string }[]) => records.map((r) => `${r.anomaly}: ${r.message}`);

test('unit-failing: once per failure, again after it came back up', () => {
  const d = new AnomalyDetector(T);
  const failed: FleetEvent = { ...base, type: 'unit.failed', unit: 'a.service', machine: 'm1', subState: 'failed' };
  assert.deepEqual(kinds(d.observe(failed, 0)), ['unit-failing: a.service failed on m1 (failed)']);
  assert.deepEqual(d.observe(failed, 1), []);
  d.observe(state('active', 'failed'), 2);
  assert.equal(d.observe(failed, 3).length, 1);
});

test('unit-flapping from systemd\'s restart counter: N restarts within the window, then quiet for a window', () => {
  const d = new AnomalyDetector(T);
  assert.deepEqual(d.observe(state('active', undefined, 0), 0), []);
  assert.deepEqual(d.observe(state('active', 'active', 2), 10_000), []);
  assert.deepEqual(kinds(d.observe(state('active', 'active', 3), 20_000)), ['unit-flapping: a.service restarted 3 times in 1 min on m1']);
  assert.deepEqual(d.observe(state('active', 'active', 5), 30_000), [], 'said once per window');
  assert.equal(d.observe(state('active', 'active', 8), 90_000).length, 1, 'again once the window passed');
});

test('unit-flapping without the counter: comebacks after failing count; restarts spread wider than the window do not', () => {
  const d = new AnomalyDetector(T);
  assert.deepEqual(d.observe(state('activating', 'failed'), 0), []);
  assert.deepEqual(d.observe(state('activating', 'failed'), 70_000), []);
  assert.deepEqual(d.observe(state('activating', 'failed'), 80_000), []);
  assert.equal(d.observe(state('activating', 'failed'), 90_000).length, 1);
  assert.deepEqual(new AnomalyDetector(T).observe(state('active', 'inactive'), 0), [], 'a first start is no restart');
});

test('unit-unplaced after the threshold, once; cleared by scheduling', () => {
  const d = new AnomalyDetector(T);
  d.observe({ ...base, type: 'unit.unplaceable', unit: 'a.service', status: 'unschedulable', message: '0 of 2 machines eligible' }, 0);
  d.observe({ ...base, type: 'unit.unplaceable', unit: 'b.service', status: 'unschedulable', message: 'x' }, 5_000);
  assert.equal(d.nextDue(), 30_000);
  assert.deepEqual(d.due(29_999), []);
  assert.deepEqual(kinds(d.due(30_000)), ['unit-unplaced: a.service could not be placed for 30 s: 0 of 2 machines eligible']);
  assert.deepEqual(d.due(31_000), []);
  d.observe({ ...base, type: 'unit.scheduled', unit: 'b.service', machine: 'm1', hash: 'h' }, 20_000);
  assert.deepEqual(d.due(100_000), []);
  assert.equal(d.nextDue(), undefined);
});

test('machine-lost when it does not come back in time', () => {
  const d = new AnomalyDetector(T);
  d.observe({ ...base, type: 'machine.left', machine: 'm1' }, 0);
  d.observe({ ...base, type: 'machine.left', machine: 'm2' }, 0);
  d.observe({ ...base, type: 'machine.joined', machine: 'm2', publicIP: '', metadata: {} }, 5_000);
  assert.deepEqual(kinds(d.due(10_000)), ['machine-lost: machine m1 left 10 s ago and has not come back']);
  assert.deepEqual(d.due(20_000), []);
});

test('leader-changed: only when taking over from another machine', () => {
  assert.equal(leaderChangedAnomaly(undefined, 'm2', 0), undefined);
  assert.equal(leaderChangedAnomaly('m2', 'm2', 0), undefined);
  assert.deepEqual(leaderChangedAnomaly('m1', 'm2', 5), { anomaly: 'leader-changed', machine: 'm2', message: 'engine leadership moved from m1 to m2', detectedAt: 5 });
});

test('memory: a detector built from another\'s memory (through its stored form) remembers what it did; expired restarts are dropped; a bad document is refused by name', async () => {
  const { decodeAnomalyMemory, encodeAnomalyMemory } = await import('../../../src/events/anomaly-memory.js');
  const t = { flapRestarts: 3, flapWindowMs: 60_000, unplacedAfterMs: 30_000, machineLostAfterMs: 10_000 };
  const ev = (e: Record<string, unknown>) => ({ revision: 1, time: '2026-01-01T00:00:00Z', ...e }) as FleetEvent;
  const state = (restarts: number) => ev({ type: 'unit.state', unit: 'f.service', machine: 'm1', hash: 'h', loadState: 'loaded', activeState: 'active', subState: 'running', restarts, previous: { loadState: 'loaded', activeState: 'active', subState: 'running' } });
  const one = new AnomalyDetector(t);
  one.observe(ev({ type: 'unit.failed', unit: 'x.service', machine: 'm2', subState: 'failed' }), 0);
  one.observe(state(0), 0);
  one.observe(state(1), 1000);
  one.observe(ev({ type: 'unit.unplaceable', unit: 'u.service', status: 'unschedulable', message: 'no machine' }), 2000);
  one.observe(ev({ type: 'machine.left', machine: 'm3' }), 3000);
  const stored = encodeAnomalyMemory(one.memory(5000));
  const memory = decodeAnomalyMemory(stored);
  assert.ok(!('problem' in memory));
  const two = new AnomalyDetector(t, memory);
  assert.deepEqual(two.memory(5000), one.memory(5000));
  assert.deepEqual(two.observe(ev({ type: 'unit.failed', unit: 'x.service', machine: 'm2', subState: 'failed' }), 6000), [], 'failing is not said twice');
  assert.deepEqual(two.observe(state(2), 7000), [], 'the second restart (counter 1 -> 2)');
  assert.equal(two.observe(state(3), 8000)[0]?.anomaly, 'unit-flapping', 'the third, counted on from the first leader\'s counter');
  assert.deepEqual(two.due(13_000).map((a) => a.anomaly), ['machine-lost'], 'm3 left at 3 s: lost at 13 s, not 10 s after the handover');
  assert.deepEqual(two.due(32_000).map((a) => a.anomaly), ['unit-unplaced']);
  assert.deepEqual(new AnomalyDetector(t, memory).memory(120_000).restarts, [], 'restarts past the window are forgotten');
  assert.deepEqual(decodeAnomalyMemory('{"version":2}'), { problem: 'unknown format 2' });
  assert.deepEqual(decodeAnomalyMemory(stored.replace('"left":[["m3",3000]]', '"left":[["m3","x"]]')), { problem: 'field left is malformed' });
});

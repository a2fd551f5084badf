import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PreemptionLog } from '../../../src/engine/preemption-log.js';
import { unplacedRecords } from '../../../src/engine/explain.js';
import type { Plan, Preemption } from '../../../src/scheduler/index.js';

const took = (unit: string, priority: number, ...victims: string[]): Preemption => ({ unit, priority, machine: 'm1', victims: victims.map((v) => ({ unit: v, priority: 0 })) });

test('preemption log: a waiting victim keeps its cause until it is placed', () => {
  const log = new PreemptionLog();
  assert.deepEqual(log.record([took('vip.service', 10, 'low.service')], new Set(['low.service']), 1000), []);
  assert.deepEqual(log.preemptedBy('low.service'), { unit: 'vip.service', priority: 10, atMs: 1000 });
  log.record([], new Set(['low.service']), 2000);
  assert.equal(log.preemptedBy('low.service')?.unit, 'vip.service', 'still waiting: still explained');
  log.record([], new Set(), 3000);
  assert.equal(log.preemptedBy('low.service'), undefined, 'placed: forgotten');
});

test('preemption log: the third preemption within a minute is reported once and shields the unit until the window passes', () => {
  const log = new PreemptionLog(3, 60_000);
  assert.deepEqual(log.record([took('a.service', 5, 'v.service')], new Set(), 0), []);
  assert.deepEqual(log.record([took('b.service', 6, 'v.service')], new Set(), 10_000), []);
  assert.deepEqual([...log.shielded(20_000)], []);
  const flaps = log.record([took('c.service', 7, 'v.service')], new Set(['v.service']), 30_000);
  assert.deepEqual(flaps, [{ unit: 'v.service', count: 3, by: { unit: 'c.service', priority: 7, atMs: 30_000 } }]);
  assert.deepEqual([...log.shielded(30_000)], ['v.service']);
  assert.equal(log.recent('v.service'), 3);
  assert.deepEqual([...log.shielded(59_999)], ['v.service'], 'the first preemption is still within the minute');
  assert.deepEqual([...log.shielded(60_000)], [], 'the first preemption left the window');
  assert.deepEqual(log.record([took('d.service', 8, 'v.service')], new Set(), 61_000), [{ unit: 'v.service', count: 3, by: { unit: 'd.service', priority: 8, atMs: 61_000 } }], 'reported again in a new window');
});

test('preemption log: a cause seeded from a previous leader does not replace a known one', () => {
  const log = new PreemptionLog();
  log.seed('low.service', { unit: 'old.service', priority: 3, atMs: 0 });
  assert.equal(log.preemptedBy('low.service')?.unit, 'old.service');
  log.record([took('vip.service', 9, 'low.service')], new Set(['low.service']), 5);
  log.seed('low.service', { unit: 'old.service', priority: 3, atMs: 6 });
  assert.equal(log.preemptedBy('low.service')?.unit, 'vip.service');
});

test('unplaced records: a preempted waiting unit says so first, and carries preemptedBy', () => {
  const plan: Plan = {
    decisions: [],
    warnings: [],
    unplaced: [
      { unit: 'low.service', machines: 1, eligible: 0, rejections: [{ filter: 'Resources', kind: 'not-now', machines: 1, constraints: ['cpu: needs 3, most free 2 on m1'], example: 'm1: cpu: needs 3, free 2' }] },
      { unit: 'other.service', machines: 1, eligible: 0, rejections: [] },
    ],
  };
  const records = unplacedRecords(plan, [], () => 'h', (n) => (n === 'low.service' ? { unit: 'vip.service', priority: 10, flapping: false } : undefined));
  assert.equal(records.get('low.service')?.message, 'preempted by vip.service (priority 10); 0 of 1 machines eligible: 1 by Resources (cpu: needs 3, most free 2 on m1)');
  assert.deepEqual((records.get('low.service')?.explanation as { preemptedBy: unknown }).preemptedBy, { unit: 'vip.service', priority: 10 });
  assert.equal(records.get('other.service')?.message, '0 of 1 machines eligible');
  const flapping = unplacedRecords(plan, [], () => 'h', () => ({ unit: 'vip.service', priority: 10, flapping: true }));
  assert.match(flapping.get('low.service')!.message, /^preempted by vip.service \(priority 10\); preempted too often within a minute, so not preempted again for now; 0 of 1/);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { registryWasReset, settleHold, startHold, type ResetHold } from '../../../src/agent/reset-hold.js';

test('registryWasReset: only a change from an epoch the agent knew', () => {
  const cases: Array<[string | undefined, string, boolean, string]> = [
    [undefined, 'e1', false, 'first read (or a registry older than epochs): nothing to compare'],
    ['e1', 'e1', false, 'same registry (a compaction, a lease that expired while etcd was away)'],
    ['e1', 'e2', true, 'another registry: etcd was wiped and a fleetd created a new epoch'],
  ];
  for (const [known, current, want, why] of cases) assert.equal(registryWasReset(known, current), want, why);
});

test('startHold: every present unit for the grace period; none when the grace is 0 or nothing runs', () => {
  assert.deepEqual(startHold(['b.service', 'a.service'], 1000, 60_000), { untilMs: 61_000, units: new Set(['a.service', 'b.service']) });
  assert.equal(startHold(['a.service'], 1000, 0), undefined, 'registry_reset_hold=0 turns holding off');
  assert.equal(startHold([], 1000, 60_000), undefined);
});

test('settleHold: units scheduled here again or gone leave the hold for good; it ends at its time or when empty', () => {
  const hold: ResetHold = { untilMs: 10_000, units: new Set(['a.service', 'b.service', 'c.service']) };
  const present = new Set(['a.service', 'b.service', 'c.service']);
  const cases: Array<{ name: string; scheduled: string[]; present: Set<string>; now: number; want: string[] | undefined }> = [
    { name: 'nothing restored yet: all held', scheduled: [], present, now: 5000, want: ['a.service', 'b.service', 'c.service'] },
    { name: 'a restored here: a leaves the hold', scheduled: ['a.service'], present, now: 5000, want: ['b.service', 'c.service'] },
    { name: 'c stopped by hand: it leaves too', scheduled: [], present: new Set(['a.service', 'b.service']), now: 5000, want: ['a.service', 'b.service'] },
    { name: 'everything restored: hold over', scheduled: ['a.service', 'b.service', 'c.service'], present, now: 5000, want: undefined },
    { name: 'grace over: hold over (the rest is stopped)', scheduled: [], present, now: 10_000, want: undefined },
  ];
  for (const c of cases) {
    const next = settleHold(hold, new Set(c.scheduled), c.present, c.now);
    assert.deepEqual(next === undefined ? undefined : [...next.units].sort(), c.want, c.name);
    if (next !== undefined) assert.equal(next.untilMs, 10_000, `${c.name}: the end does not move`);
  }
  assert.equal(settleHold(hold, new Set(), present, 5000), hold, 'unchanged: same object');
  assert.equal(settleHold(undefined, new Set(), present, 0), undefined);
  // A unit that left the hold does not come back into it when it is unscheduled later.
  const after = settleHold(hold, new Set(['a.service']), present, 5000)!;
  assert.deepEqual([...settleHold(after, new Set(), present, 6000)!.units].sort(), ['b.service', 'c.service']);
});

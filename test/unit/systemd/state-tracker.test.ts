import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DriverEvent, UnitState } from '../../../src/systemd/driver.js';
import { driverEvents } from '../../../src/systemd/events.js';
import { StateTracker } from '../../../src/systemd/state-tracker.js';
import type { ActiveState } from '../../../src/domain/index.js';

const s = (name: string, active: ActiveState, sub: string, mainPid?: number): UnitState =>
  mainPid === undefined ? { name, loadState: 'loaded', activeState: active, subState: sub } : { name, loadState: 'loaded', activeState: active, subState: sub, mainPid };

test('duplicated and repeated observations produce one event per actual change', () => {
  const t = new StateTracker();
  const events: DriverEvent[] = [];
  t.subscribe((e) => events.push(e));
  t.track('a.service');
  const inputs = [
    s('a.service', 'inactive', 'dead'),
    s('a.service', 'inactive', 'dead'),
    s('a.service', 'active', 'running', 10),
    s('a.service', 'active', 'running', 10),
    s('a.service', 'active', 'running', 11), // pid alone is not a state change
    s('b.service', 'active', 'running'), // untracked: ignored
    s('a.service', 'failed', 'failed'),
  ];
  const emitted = inputs.map((i) => t.report(i));
  assert.deepEqual(emitted, [true, false, true, false, false, false, true]);
  assert.deepEqual(
    events.map((e) => (e.type === 'state' ? `${e.state.activeState}<-${e.previous?.activeState ?? '-'}` : e.type)),
    ['inactive<--', 'active<-inactive', 'failed<-active'],
  );
});

test('untrack emits removed once and forgets the last state', () => {
  const t = new StateTracker();
  const events: DriverEvent[] = [];
  t.subscribe((e) => events.push(e));
  t.track('a.service');
  t.report(s('a.service', 'active', 'running'));
  t.untrack('a.service');
  t.untrack('a.service');
  assert.deepEqual(events.map((e) => e.type), ['state', 'removed']);
  assert.equal(t.lastState('a.service'), undefined);
  assert.equal(t.report(s('a.service', 'active', 'running')), false);
});

test('a throwing listener does not stop the others', () => {
  const t = new StateTracker();
  let got = 0;
  t.subscribe(() => {
    throw new Error('bad listener');
  });
  t.subscribe(() => got++);
  const warnings: unknown[] = [];
  const onWarning = (w: unknown): void => void warnings.push(w);
  process.on('warning', onWarning);
  try {
    t.emit({ type: 'reconnected' });
  } finally {
    process.off('warning', onWarning);
  }
  assert.equal(got, 1);
});

test('driverEvents iterates buffered events and stops on abort', async () => {
  const t = new StateTracker();
  const ac = new AbortController();
  const it = driverEvents(t, ac.signal);
  t.emit({ type: 'disconnected', error: new Error('x') });
  t.emit({ type: 'reconnected' });
  const seen: string[] = [];
  setTimeout(() => ac.abort(), 10);
  for await (const e of it) seen.push(e.type);
  assert.deepEqual(seen, ['disconnected', 'reconnected']);
  t.emit({ type: 'reconnected' }); // after abort: nobody listens, nothing breaks
});

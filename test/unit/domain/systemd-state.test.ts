import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isActiveState, isLoadState, isRunning, isStarted, mayHaveMainProcess, runPhase, toActiveState, toLoadState, type ActiveState, type RunPhase } from '../../../src/domain/index.js';

// The one meaning of "running", per ActiveState: what makes a unit `launched`
// (API, fleetctl waits, agent adoption) and whether the driver asks for a MainPID.
const TABLE: ReadonlyArray<{ state: ActiveState; phase: RunPhase; running: boolean; started: boolean; mainProcess: boolean; why: string }> = [
  { state: 'active', phase: 'up', running: true, started: true, mainProcess: true, why: 'started and up' },
  { state: 'activating', phase: 'starting', running: true, started: false, mainProcess: true, why: 'start job under way (oneshot, notify): launched, not yet started' },
  { state: 'reloading', phase: 'up', running: true, started: true, mainProcess: true, why: 'a reload does not stop the unit' },
  { state: 'refreshing', phase: 'up', running: true, started: true, mainProcess: true, why: 'mount-namespace refresh of a running unit' },
  { state: 'deactivating', phase: 'stopping', running: false, started: false, mainProcess: true, why: 'a stop is under way: a wait for a stop may end; the process still exists' },
  { state: 'inactive', phase: 'down', running: false, started: false, mainProcess: false, why: 'stopped' },
  { state: 'failed', phase: 'down', running: false, started: false, mainProcess: false, why: 'stopped by failure' },
  { state: 'maintenance', phase: 'down', running: false, started: false, mainProcess: false, why: 'clean-up of a stopped unit' },
];

for (const row of TABLE) {
  test(`ActiveState ${row.state}: ${row.phase}, running=${row.running}, started=${row.started}, main process=${row.mainProcess} (${row.why})`, () => {
    assert.equal(isActiveState(row.state), true);
    assert.equal(runPhase(row.state), row.phase);
    assert.equal(isRunning(row.state), row.running);
    assert.equal(isStarted(row.state), row.started);
    assert.equal(mayHaveMainProcess(row.state), row.mainProcess);
  });
}

test('the table covers every ActiveState', () => {
  const all: Record<ActiveState, true> = {
    active: true, reloading: true, inactive: true, failed: true, activating: true, deactivating: true, maintenance: true, refreshing: true,
  };
  assert.deepEqual(TABLE.map((r) => r.state).sort(), Object.keys(all).sort());
});

test('foreign words are not running and not states', () => {
  for (const s of ['', 'Active', 'running', 'loaded', 'toString', '__proto__']) {
    assert.equal(runPhase(s), 'down', s);
    assert.equal(isRunning(s), false, s);
    assert.equal(isStarted(s), false, s);
    assert.equal(mayHaveMainProcess(s), false, s);
    assert.equal(isActiveState(s), false, s);
  }
});

test('load states: the closed set, and what an unknown word from systemd reads as', () => {
  for (const s of ['stub', 'loaded', 'not-found', 'bad-setting', 'error', 'merged', 'masked']) assert.equal(isLoadState(s), true, s);
  for (const s of ['', 'active', 'Loaded']) assert.equal(isLoadState(s), false, s);
  assert.equal(toLoadState('loaded'), 'loaded');
  assert.equal(toLoadState('future-state'), 'error');
  assert.equal(toActiveState('activating'), 'activating');
  assert.equal(toActiveState('future-state'), 'inactive');
});

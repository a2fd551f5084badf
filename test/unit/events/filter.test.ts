import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventFilterError, matchesFilter, parseEventFilter } from '../../../src/events/filter.js';
import type { FleetEvent } from '../../../src/events/types.js';

const ev = (type: FleetEvent['type'], unit?: string, machine?: string) => ({ revision: 1, time: '', type, ...(unit ? { unit } : {}), ...(machine ? { machine } : {}) }) as FleetEvent;

test('type patterns (repeatable, comma-separated, globs), unit glob and machine all have to match', () => {
  const f = parseEventFilter({ types: ['unit.state, anomaly.*'], unit: 'web@*.service', machine: 'm1' });
  assert.deepEqual(f, { types: ['unit.state', 'anomaly.*'], unit: 'web@*.service', machine: 'm1' });
  assert.equal(matchesFilter(f, ev('unit.state', 'web@1.service', 'm1')), true);
  assert.equal(matchesFilter(f, ev('anomaly.unit-flapping', 'web@2.service', 'm1')), true);
  assert.equal(matchesFilter(f, ev('unit.failed', 'web@1.service', 'm1')), false);
  assert.equal(matchesFilter(f, ev('unit.state', 'db.service', 'm1')), false);
  assert.equal(matchesFilter(f, ev('unit.state', 'web@1.service', 'm2')), false);
  assert.equal(matchesFilter(parseEventFilter({ unit: '*' }), ev('leader.changed', undefined, 'm1')), false, 'a unit filter drops events without a unit');
  assert.equal(matchesFilter(parseEventFilter({}), ev('leader.changed')), true);
});

test('bad filters name the parameter and the value', () => {
  assert.throws(() => parseEventFilter({ types: ['unit.stat'] }), (e: unknown) => e instanceof EventFilterError && e.parameter === 'type' && /invalid type "unit.stat": matches no event type/.test(e.message));
  assert.throws(() => parseEventFilter({ types: ['[x'] }), /invalid type "\[x": not a valid pattern/);
  assert.throws(() => parseEventFilter({ unit: '' }), /invalid unit "": not a valid glob/);
  assert.throws(() => parseEventFilter({ machine: '' }), /invalid machine "": empty/);
});

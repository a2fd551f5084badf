import { test } from 'node:test';
import assert from 'node:assert/strict';
import { machineOfFilter, machineOfPreFilter } from '../../../../src/scheduler/filters/machine-of.js';
import { machine, snapshot, stateFor, unit } from '../fixtures.js';

const snap = snapshot(
  [machine('A'), machine('B'), machine('C')],
  [
    unit('db.service'),
    unit('cache.service'),
    unit('log.service', { global: true }),
    unit('loner.service'),
    unit('follower.service', { machineOf: ['db.service'] }),
    unit('both.service', { machineOf: ['db.service', 'cache.service'] }),
    unit('logs-reader.service', { machineOf: ['log.service'] }),
    unit('orphan.service', { machineOf: ['missing.service'] }),
  ],
  { 'db.service': ['A'], 'cache.service': ['B'], 'log.service': ['A', 'C'] },
);

const cases: Array<{ name: string; unit: string; machine: string; ok: boolean }> = [
  { name: 'no MachineOf accepts any machine', unit: 'loner.service', machine: 'B', ok: true },
  { name: 'machine hosting the peer', unit: 'follower.service', machine: 'A', ok: true },
  { name: 'machine without the peer', unit: 'follower.service', machine: 'B', ok: false },
  { name: 'every peer is required', unit: 'both.service', machine: 'A', ok: false },
  { name: 'a global peer counts on each machine it runs on', unit: 'logs-reader.service', machine: 'C', ok: true },
  { name: 'a global peer absent from this machine', unit: 'logs-reader.service', machine: 'B', ok: false },
  { name: 'unknown peer rejects every machine', unit: 'orphan.service', machine: 'A', ok: false },
];

for (const c of cases) {
  test(`MachineOf filter: ${c.name}`, () => {
    const { state, unit: u, m } = stateFor(snap);
    const r = machineOfFilter.check(u(c.unit), m(c.machine), state);
    assert.equal(r.ok, c.ok);
  });
}

test('MachineOf rejection names the missing peer', () => {
  const { state, unit: u, m } = stateFor(snap);
  assert.deepEqual(machineOfFilter.check(u('both.service'), m('A'), state), {
    ok: false,
    filter: 'MachineOf',
    kind: 'not-now',
    reason: 'required peer cache.service is not on this machine',
    constraint: 'cache.service',
  });
});

test('MachineOf pre-filter intersects the machines of all peers', () => {
  const { state, unit: u, m } = stateFor(snap);
  assert.equal(machineOfPreFilter.narrow(u('loner.service'), state), undefined);
  assert.deepEqual(machineOfPreFilter.narrow(u('follower.service'), state)?.machines, [m('A')]);
  assert.deepEqual(machineOfPreFilter.narrow(u('logs-reader.service'), state)?.machines, [m('A'), m('C')]);
  assert.deepEqual(machineOfPreFilter.narrow(u('both.service'), state)?.machines, []);
  assert.deepEqual(machineOfPreFilter.narrow(u('orphan.service'), state)?.machines, []);
});

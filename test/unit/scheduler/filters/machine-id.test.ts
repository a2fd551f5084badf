import { test } from 'node:test';
import assert from 'node:assert/strict';
import { machineIdFilter, machineIdPreFilter } from '../../../../src/scheduler/filters/machine-id.js';
import { machine, snapshot, stateFor, unit } from '../fixtures.js';

const FULL = '0123456789abcdef0123456789abcdef';
const snap = snapshot(
  [machine(FULL), machine('fedcba9876543210fedcba9876543210'), machine('other')],
  [unit('any.service'), unit('full.service', { machineId: FULL }), unit('short.service', { machineId: '01234567' }), unit('gone.service', { machineId: 'nope' })],
);

const cases: Array<{ name: string; unit: string; machine: string; ok: boolean }> = [
  { name: 'no MachineID accepts any machine', unit: 'any.service', machine: 'other', ok: true },
  { name: 'full id matches', unit: 'full.service', machine: FULL, ok: true },
  { name: 'full id rejects other machines', unit: 'full.service', machine: 'other', ok: false },
  { name: '8-char short id matches (fleet compatibility)', unit: 'short.service', machine: FULL, ok: true },
  { name: 'short id rejects other machines', unit: 'short.service', machine: 'fedcba9876543210fedcba9876543210', ok: false },
  { name: 'missing machine rejects every machine', unit: 'gone.service', machine: FULL, ok: false },
];

for (const c of cases) {
  test(`MachineID filter: ${c.name}`, () => {
    const { state, unit: u, m } = stateFor(snap);
    const r = machineIdFilter.check(u(c.unit), m(c.machine), state);
    assert.equal(r.ok, c.ok);
    if (!r.ok) assert.equal(r.filter, 'MachineID');
  });
}

test('MachineID rejection names the machine and the requirement', () => {
  const { state, unit: u, m } = stateFor(snap);
  assert.deepEqual(machineIdFilter.check(u('gone.service'), m('other'), state), {
    ok: false,
    filter: 'MachineID',
    kind: 'never',
    reason: 'machine other is not the required machine nope',
    constraint: 'nope',
  });
});

test('MachineID pre-filter narrows to the named machine, or to nothing', () => {
  const { state, unit: u, m } = stateFor(snap);
  assert.equal(machineIdPreFilter.narrow(u('any.service'), state), undefined);
  assert.deepEqual(machineIdPreFilter.narrow(u('short.service'), state)?.machines, [m(FULL)]);
  assert.deepEqual(machineIdPreFilter.narrow(u('gone.service'), state)?.machines, []);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { conflictsFilter } from '../../../../src/scheduler/filters/conflicts.js';
import { machine, snapshot, stateFor, unit } from '../fixtures.js';

const snap = snapshot(
  [machine('A'), machine('B'), machine('C')],
  [
    unit('web@1.service', { conflicts: ['web@*.service'] }),
    unit('web@2.service', { conflicts: ['web@*.service'] }),
    unit('plain.service'),
    unit('shy.service', { conflicts: ['plain.service'] }),
    unit('loud.service'),
    unit('hater.service', { conflicts: ['loud.service'] }),
    unit('broken.service', { conflicts: ['[web'] }),
    unit('log.service', { global: true, conflicts: ['plain.service'] }),
  ],
  { 'web@1.service': ['A'], 'plain.service': ['B'], 'hater.service': ['C'] },
);

const cases: Array<{ name: string; unit: string; machine: string; reason?: string; constraint?: string }> = [
  { name: 'self-conflicting template spreads instances', unit: 'web@2.service', machine: 'A', reason: 'conflicts with web@1.service', constraint: 'web@*.service' },
  { name: 'instance goes where no sibling runs', unit: 'web@2.service', machine: 'B' },
  { name: 'declared by the unit being placed', unit: 'shy.service', machine: 'B', reason: 'conflicts with plain.service', constraint: 'plain.service' },
  { name: 'declared by the unit already there (symmetric)', unit: 'loud.service', machine: 'C', reason: 'hater.service conflicts with it (loud.service)', constraint: 'loud.service' },
  { name: 'no conflict with unrelated units', unit: 'loud.service', machine: 'B' },
  { name: 'a malformed glob never matches', unit: 'broken.service', machine: 'A' },
  { name: 'global units take part too', unit: 'log.service', machine: 'B', reason: 'conflicts with plain.service', constraint: 'plain.service' },
];

for (const c of cases) {
  test(`Conflicts filter: ${c.name}`, () => {
    const { state, unit: u, m } = stateFor(snap);
    const r = conflictsFilter.check(u(c.unit), m(c.machine), state);
    if (c.reason === undefined) assert.deepEqual(r, { ok: true });
    else assert.deepEqual(r, { ok: false, filter: 'Conflicts', kind: 'not-now', reason: c.reason, constraint: c.constraint });
  });
}

test('Conflicts counters follow removals', () => {
  const { state, unit: u, m } = stateFor(snap);
  state.remove(u('web@1.service'), m('A'));
  assert.deepEqual(conflictsFilter.check(u('web@2.service'), m('A'), state), { ok: true });
});

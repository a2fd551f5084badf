import { test } from 'node:test';
import assert from 'node:assert/strict';
import { explainLines } from '../../../fleetctl/commands/explain.js';

const legend = (id: string) => `${id.slice(0, 8)}.../10.0.0.1`;

test('explainLines: a placed unit names every machine it runs on', () => {
  assert.deepEqual(explainLines({ name: 'g.service', desiredState: 'launched', status: 'scheduled', machineIDs: ['aaaaaaaaaa', 'bbbbbbbbbb'], message: '' }, legend), [
    'g.service: runs on aaaaaaaa.../10.0.0.1, bbbbbbbb.../10.0.0.1',
  ]);
});

test('explainLines: an unplaced unit gives the engine\'s line, then one line per filter with its example', () => {
  const explanation = {
    unit: 'w.service',
    machines: 3,
    eligible: 0,
    rejections: [
      { filter: 'MachineMetadata', kind: 'never', machines: 2, constraints: ['region=eu'], example: 'm1: region=us' },
      { filter: 'Conflicts', kind: 'not-now', machines: 1, constraints: ['web@*'], example: 'm3: runs web@1.service' },
    ],
  };
  const doc = { name: 'w.service', desiredState: 'launched', status: 'unschedulable' as const, machineIDs: [], message: '0 of 3 machines eligible: 2 by MachineMetadata (region=eu), 1 by Conflicts (web@*)', explanation };
  assert.deepEqual(explainLines(doc, legend), [
    'w.service: not placed: 0 of 3 machines eligible: 2 by MachineMetadata (region=eu), 1 by Conflicts (web@*)',
    '  MachineMetadata: 2 machines (region=eu), e.g. m1: region=us',
    '  Conflicts: 1 machine (web@*), e.g. m3: runs web@1.service',
  ]);
});

test('explainLines: inactive, pending and invalid units say so in one line', () => {
  for (const status of ['inactive', 'pending', 'invalid'] as const) {
    assert.deepEqual(explainLines({ name: 'x.service', desiredState: 'loaded', status, machineIDs: [], message: 'why' }, legend), ['x.service: not placed: why']);
  }
});

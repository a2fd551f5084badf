import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatExplanation, type Explanation } from '../../../src/scheduler/index.js';

const cases: Array<{ name: string; e: Explanation; line: string }> = [
  {
    name: 'several filters, most machines first',
    e: {
      unit: 'api.service',
      machines: 5,
      eligible: 0,
      rejections: [
        { filter: 'Conflicts', kind: 'not-now', machines: 3, constraints: ['web@*'], example: 'm1: conflicts with web@1.service' },
        { filter: 'MachineMetadata', kind: 'never', machines: 2, constraints: ['region=eu'], example: 'm4: machine has region=us (needs region=eu)' },
      ],
    },
    line: '0 of 5 machines eligible: 3 by Conflicts (web@*), 2 by MachineMetadata (region=eu)',
  },
  {
    name: 'several constraints of one filter',
    e: { unit: 'x', machines: 2, eligible: 0, rejections: [{ filter: 'MachineOf', kind: 'not-now', machines: 2, constraints: ['a.service', 'b.service'], example: '' }] },
    line: '0 of 2 machines eligible: 2 by MachineOf (a.service, b.service)',
  },
  { name: 'no machines', e: { unit: 'x', machines: 0, eligible: 0, rejections: [] }, line: '0 of 0 machines eligible: no machines registered' },
];

for (const c of cases) {
  test(`formatExplanation: ${c.name}`, () => assert.equal(formatExplanation(c.e), c.line));
}

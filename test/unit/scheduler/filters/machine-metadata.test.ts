import { test } from 'node:test';
import assert from 'node:assert/strict';
import { machineMetadataFilter, machineMetadataPreFilter } from '../../../../src/scheduler/filters/machine-metadata.js';
import { machine, snapshot, stateFor, unit, type Req } from '../fixtures.js';

const machines = [
  machine('eu-ssd', { region: 'eu', disk: 'ssd' }),
  machine('eu-hdd', { region: 'eu', disk: 'hdd' }),
  machine('us-ssd', { region: 'us', disk: 'ssd' }),
  machine('bare'),
];

const cases: Array<{ name: string; req: Req; machine: string; reason?: string }> = [
  { name: 'no requirement accepts a machine without metadata', req: {}, machine: 'bare' },
  { name: 'single key, matching value', req: { metadata: { region: ['eu'] } }, machine: 'eu-hdd' },
  { name: 'single key, other value', req: { metadata: { region: ['eu'] } }, machine: 'us-ssd', reason: 'machine has region=us (needs region=eu)' },
  { name: 'missing key', req: { metadata: { region: ['eu'] } }, machine: 'bare', reason: 'machine has no region metadata (needs region=eu)' },
  { name: 'OR within a key', req: { metadata: { region: ['eu', 'us'] } }, machine: 'us-ssd' },
  { name: 'AND across keys, both hold', req: { metadata: { region: ['eu'], disk: ['ssd'] } }, machine: 'eu-ssd' },
  { name: 'AND across keys, one fails', req: { metadata: { region: ['eu'], disk: ['ssd'] } }, machine: 'eu-hdd', reason: 'machine has disk=hdd (needs disk=ssd)' },
  { name: 'inherited object keys are not metadata', req: { metadata: { toString: ['x'] } }, machine: 'bare', reason: 'machine has no toString metadata (needs toString=x)' },
];

for (const c of cases) {
  test(`MachineMetadata filter: ${c.name}`, () => {
    const { state, unit: u, m } = stateFor(snapshot(machines, [unit('x.service', c.req)]));
    const r = machineMetadataFilter.check(u('x.service'), m(c.machine), state);
    if (c.reason === undefined) assert.deepEqual(r, { ok: true });
    else {
      assert.equal(r.ok, false);
      if (!r.ok) {
        assert.equal(r.filter, 'MachineMetadata');
        assert.equal(r.kind, 'never', 'only a change of the unit or the machine can fix it');
        assert.equal(r.reason, c.reason);
      }
    }
  });
}

test('MachineMetadata constraint lists the accepted values of the failing key', () => {
  const { state, unit: u, m } = stateFor(snapshot(machines, [unit('x.service', { metadata: { region: ['eu', 'ap'] } })]));
  const r = machineMetadataFilter.check(u('x.service'), m('us-ssd'), state);
  assert.equal(!r.ok && r.constraint, 'region=eu|ap');
});

test('MachineMetadata pre-filter returns exactly the accepted machines, shared by equal requirements', () => {
  const snap = snapshot(machines, [
    unit('a.service', { metadata: { disk: ['ssd'] } }),
    unit('b.service', { metadata: { disk: ['ssd'] } }),
    unit('c.service'),
  ]);
  const { state, unit: u, m } = stateFor(snap);
  const a = machineMetadataPreFilter.narrow(u('a.service'), state);
  assert.deepEqual(a?.machines, [m('eu-ssd'), m('us-ssd')].sort());
  assert.equal(machineMetadataPreFilter.narrow(u('b.service'), state), a);
  assert.equal(machineMetadataPreFilter.narrow(u('c.service'), state), undefined);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveMachineRef, selectStreamMachines, type StreamSelection, type StreamSelectionInput } from '../../../src/domain/index.js';

const A = '1b83f385aaaaaaaaaaaaaaaaaaaaaaaa';
const B = '1b83f385bbbbbbbbbbbbbbbbbbbbbbbb';
const C = 'c0ffee00cccccccccccccccccccccccc';
const PRESENT = [A, B, C];

test('resolveMachineRef: full id, unique prefix, case, ambiguous, unknown, not hex', () => {
  assert.deepEqual(resolveMachineRef(A, PRESENT), { ok: true, machineId: A });
  assert.deepEqual(resolveMachineRef('c0ffee00', PRESENT), { ok: true, machineId: C });
  assert.deepEqual(resolveMachineRef('C0FFEE', PRESENT), { ok: true, machineId: C });
  assert.deepEqual(resolveMachineRef('1b83f385b', PRESENT), { ok: true, machineId: B });
  assert.deepEqual(resolveMachineRef('1b83f385', PRESENT), { ok: false, problem: `machine ID "1b83f385" is ambiguous: it matches ${A}, ${B}` });
  assert.deepEqual(resolveMachineRef('dead', PRESENT), { ok: false, problem: 'no machine in the cluster has an ID starting with "dead"' });
  for (const bad of ['', 'xyz', '../etc', `${A}0`, '1b 83']) {
    assert.deepEqual(resolveMachineRef(bad, PRESENT), {
      ok: false,
      problem: `invalid machine ID ${JSON.stringify(bad)}: expected a machine ID of up to 32 hex digits, or a prefix of one`,
    }, bad);
  }
});

const cases: ReadonlyArray<{ name: string; input: Omit<StreamSelectionInput, 'unitName' | 'presentMachines'>; want: StreamSelection }> = [
  { name: 'ordinary unit, no --machine: its own machine by the usual route', input: { global: false, unitMachines: [A] }, want: { kind: 'unit-machine' } },
  { name: 'global unit, no --machine: every machine, sorted, headed', input: { global: true, unitMachines: [C, A, C] }, want: { kind: 'machines', machineIds: [A, C], headed: true } },
  { name: 'global unit on no machine', input: { global: true, unitMachines: [] }, want: { kind: 'error', message: 'Global unit u.service is not loaded on any machine.' } },
  {
    name: 'global unit, -f without --machine',
    input: { global: true, unitMachines: [A, C], follow: true },
    want: { kind: 'error', message: 'Cannot follow global unit u.service on several machines at once: pick one with --machine ID.' },
  },
  { name: 'global unit on one machine, -f without --machine: refused all the same', input: { global: true, unitMachines: [A], follow: true }, want: { kind: 'error', message: 'Cannot follow global unit u.service on several machines at once: pick one with --machine ID.' } },
  { name: 'global unit, --machine prefix', input: { global: true, unitMachines: [A, C], requested: 'c0ffee00', follow: true }, want: { kind: 'machines', machineIds: [C], headed: false } },
  { name: 'ordinary unit, --machine of its machine', input: { global: false, unitMachines: [B], requested: B }, want: { kind: 'machines', machineIds: [B], headed: false } },
  { name: 'ordinary unit, --machine elsewhere', input: { global: false, unitMachines: [B], requested: 'c0ffee' }, want: { kind: 'error', message: `Unit u.service is not loaded on machine ${C}.` } },
  { name: 'global unit, --machine where it does not run', input: { global: true, unitMachines: [A], requested: 'c0' }, want: { kind: 'error', message: `Unit u.service is not loaded on machine ${C}.` } },
  { name: 'ambiguous --machine', input: { global: true, unitMachines: [A, B], requested: '1b83f385' }, want: { kind: 'error', message: `machine ID "1b83f385" is ambiguous: it matches ${A}, ${B}` } },
  { name: 'unknown --machine', input: { global: false, unitMachines: [A], requested: 'ffff' }, want: { kind: 'error', message: 'no machine in the cluster has an ID starting with "ffff"' } },
];

for (const c of cases) {
  test(`selectStreamMachines: ${c.name}`, () => {
    assert.deepEqual(selectStreamMachines({ unitName: 'u.service', presentMachines: PRESENT, ...c.input }), c.want);
  });
}

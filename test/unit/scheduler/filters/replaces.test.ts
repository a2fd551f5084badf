import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canDisplace, replacesFilter } from '../../../../src/scheduler/filters/replaces.js';
import { machine, snapshot, stateFor, unit } from '../fixtures.js';

const snap = snapshot(
  [machine('A'), machine('B'), machine('C'), machine('D')],
  [
    unit('app-v1.service'),
    unit('app-v2.service', { replaces: ['app-v1.service'] }),
    unit('new.service'),
    unit('old-guard.service', { replaces: ['new.service'] }),
    unit('ping.service', { replaces: ['pong.service'] }),
    unit('pong.service', { replaces: ['ping.service'] }),
    unit('agent.service', { global: true }),
    unit('agent-killer.service', { replaces: ['agent.service'] }),
  ],
  { 'app-v1.service': ['A'], 'old-guard.service': ['B'], 'ping.service': ['C'], 'agent.service': ['D'] },
);

const cases: Array<{ name: string; unit: string; machine: string; reason?: string }> = [
  { name: 'the declaring unit may join the unit it replaces (which will move)', unit: 'app-v2.service', machine: 'A' },
  { name: 'a unit may not join a unit that replaces it', unit: 'new.service', machine: 'B', reason: 'replaced by old-guard.service on this machine' },
  { name: 'circular replaces keep both apart', unit: 'pong.service', machine: 'C', reason: 'replaced by ping.service on this machine' },
  { name: 'a global unit cannot be displaced', unit: 'agent-killer.service', machine: 'D', reason: 'replaces agent.service but cannot displace it' },
  { name: 'unrelated machine', unit: 'new.service', machine: 'A' },
];

for (const c of cases) {
  test(`Replaces filter: ${c.name}`, () => {
    const { state, unit: u, m } = stateFor(snap);
    const r = replacesFilter.check(u(c.unit), m(c.machine), state);
    if (c.reason === undefined) assert.deepEqual(r, { ok: true });
    else {
      assert.equal(r.ok, false);
      if (!r.ok) {
        assert.equal(r.filter, 'Replaces');
        assert.equal(r.kind, 'not-now', 'moving units can change it');
        assert.equal(r.reason, c.reason);
      }
    }
  });
}

test('canDisplace: ordinary victims yes; global, same-cycle and MachineOf-peer victims no', () => {
  const extra = snapshot(snap.machines, [
    ...snap.units,
    unit('a.service', { replaces: ['b.service'] }),
    unit('b.service', { replaces: ['c.service'] }),
    unit('c.service', { replaces: ['a.service'] }),
    unit('leech.service', { replaces: ['app-v1.service'], machineOf: ['app-v1.service'] }),
  ]);
  const { unit: u } = stateFor(extra);
  assert.equal(canDisplace(u('app-v2.service'), u('app-v1.service')), true);
  assert.equal(canDisplace(u('agent-killer.service'), u('agent.service')), false);
  assert.equal(canDisplace(u('a.service'), u('b.service')), false, 'three-unit cycle');
  assert.equal(canDisplace(u('leech.service'), u('app-v1.service')), false);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planSchedule } from '../../../src/scheduler/planner.js';
import { parsePolicy } from '../../../src/scheduler/policy.js';
import type { MachineSnapshot } from '../../../src/scheduler/types.js';
import { machine, snapshot, summary, unit } from './fixtures.js';

const held = (id: string, units: string[], metadata: Record<string, string> = {}): MachineSnapshot => ({ ...machine(id, metadata), held: units });

test('held affinity: after a registry reset every unit goes back to the machine that still runs it, whatever the load', () => {
  // Least-loaded alone would put a, b, c on m1, m2, m3; they run on m3, m3, m1.
  const snap = snapshot([machine('m1'), machine('m2'), held('m3', ['a.service', 'b.service'])], [unit('a.service'), unit('b.service'), unit('c.service'), unit('d.service')]);
  const withC = { ...snap, machines: [held('m1', ['c.service']), snap.machines[1]!, snap.machines[2]!] };
  assert.deepEqual(summary(planSchedule(withC)), ['+a.service@m3', '+b.service@m3', '+c.service@m1', '+d.service@m2']);
});

test('held affinity: only where the filters allow (constraints changed); a cordon does not keep a held unit away', () => {
  const snap = snapshot(
    [held('m1', ['meta.service', 'pinned.service']), { ...held('m2', ['cordoned.service'], { disk: 'ssd' }), cordoned: 'suspected dead' }, machine('m3')],
    [unit('meta.service', { metadata: { disk: ['ssd'] } }), unit('pinned.service', { machineId: 'm2' }), unit('cordoned.service'), unit('new.service', { machineId: 'm2' })],
  );
  const plan = planSchedule(snap);
  // A cordoned machine takes no new units, but a unit it holds runs there already (the engine
  // cordons the previous leader after a failover, which a registry reset always is).
  assert.deepEqual(summary(plan), ['+cordoned.service@m2']);
  assert.deepEqual(plan.unplaced.map((e) => e.unit), ['meta.service', 'new.service', 'pinned.service'], 'm2, the only machine they fit, is cordoned for them');
});

test('held affinity: outweighs every policy scorer, even at their highest weights', () => {
  const policy = parsePolicy({ strategy: 'spread', scorers: { balanced: 100, spreadBy: 100 }, spreadBy: 'az' });
  const machines = [machine('m1', { az: 'x' }), machine('m2', { az: 'y' }), held('m3', ['web@1.service', 'web@2.service'], { az: 'x' })];
  const plan = planSchedule({ ...snapshot(machines, [unit('web@1.service'), unit('web@2.service')]), policy });
  assert.deepEqual(summary(plan), ['+web@1.service@m3', '+web@2.service@m3']);
});

test('held affinity: a unit already scheduled stays where it is (held copies elsewhere are stopped when the hold ends)', () => {
  const snap = snapshot([machine('m1'), held('m2', ['a.service'])], [unit('a.service')], { 'a.service': ['m1'] });
  assert.deepEqual(summary(planSchedule(snap)), []);
});

test('held affinity: machines holding nothing plan exactly as before; global units are unaffected', () => {
  const units = [unit('a.service'), unit('b.service'), unit('g.service', { global: true })];
  const plain = planSchedule(snapshot([machine('m1'), machine('m2')], units));
  const empty = planSchedule(snapshot([held('m1', []), held('m2', ['g.service', 'unknown.service'])], units));
  assert.deepEqual(summary(empty), summary(plain));
});

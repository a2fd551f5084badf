/**
 * Victim choice (`preempt.ts`) and the preemption phase of the planner, as
 * named cases: machines, units with priorities and what is scheduled where
 * in; the machine and victims (or the plan) out.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyPlan, parsePolicy, planSchedule } from '../../../src/scheduler/index.js';
import type { ClusterSnapshot, MachineSnapshot, UnitSnapshot } from '../../../src/scheduler/types.js';
import { choosePreemption } from '../../../src/scheduler/preempt.js';
import { createPipeline } from '../../../src/scheduler/pipeline.js';
import { snapshot, stateFor, summary, unit, type Req } from './fixtures.js';

const sized = (id: string, cpu: number, metadata: Record<string, string> = {}): MachineSnapshot => ({ id, metadata, capacity: { cpu } });
/** A unit requesting `cpu` cores at `priority`. */
const u = (name: string, cpu: number, priority?: number, more: Req = {}): UnitSnapshot =>
  unit(name, { resources: { cpu }, ...(priority !== undefined ? { priority } : {}), ...more });

interface Case {
  readonly name: string;
  readonly machines: MachineSnapshot[];
  readonly units: UnitSnapshot[];
  /** Where the units other than `unit` are (unit -> machine). */
  readonly on: Record<string, string>;
  /** The unit that waits. */
  readonly unit: string;
  /** `machine: victim, victim`, or undefined when it cannot preempt. */
  readonly want: string | undefined;
  readonly shielded?: string[];
}

const cases: Case[] = [
  {
    name: 'stops the one low-priority unit that frees enough',
    machines: [sized('A', 4)],
    units: [u('low.service', 3), u('vip.service', 2, 10)],
    on: { 'low.service': 'A' },
    unit: 'vip.service',
    want: 'A: low.service',
  },
  {
    name: 'never a unit of equal priority',
    machines: [sized('A', 4)],
    units: [u('peer.service', 3, 10), u('vip.service', 2, 10)],
    on: { 'peer.service': 'A' },
    unit: 'vip.service',
    want: undefined,
  },
  {
    name: 'never a unit of higher priority',
    machines: [sized('A', 4)],
    units: [u('boss.service', 3, 50), u('vip.service', 2, 10)],
    on: { 'boss.service': 'A' },
    unit: 'vip.service',
    want: undefined,
  },
  {
    name: 'priority 0 never preempts',
    machines: [sized('A', 4)],
    units: [u('low.service', 3), u('new.service', 2)],
    on: { 'low.service': 'A' },
    unit: 'new.service',
    want: undefined,
  },
  {
    name: 'Preemptible=false is never a victim',
    machines: [sized('A', 4)],
    units: [u('keep.service', 3, 0, { preemptible: false }), u('vip.service', 2, 10)],
    on: { 'keep.service': 'A' },
    unit: 'vip.service',
    want: undefined,
  },
  {
    name: 'a MachineID-pinned unit is never a victim',
    machines: [sized('A', 4)],
    units: [u('pinned.service', 3, 0, { machineId: 'A' }), u('vip.service', 2, 10)],
    on: { 'pinned.service': 'A' },
    unit: 'vip.service',
    want: undefined,
  },
  {
    name: 'a global unit is never a victim',
    machines: [sized('A', 4)],
    units: [u('agent.service', 3, 0, { global: true }), u('vip.service', 2, 10)],
    on: { 'agent.service': 'A' },
    unit: 'vip.service',
    want: undefined,
  },
  {
    name: 'a shielded unit (preempted too often) is never a victim',
    machines: [sized('A', 4)],
    units: [u('low.service', 3), u('vip.service', 2, 10)],
    on: { 'low.service': 'A' },
    unit: 'vip.service',
    want: undefined,
    shielded: ['low.service'],
  },
  {
    name: 'lowest highest-victim priority wins over fewer victims',
    machines: [sized('A', 4), sized('B', 4)],
    units: [u('a1.service', 2, 1), u('a2.service', 2, 1), u('b.service', 4, 5), u('vip.service', 3, 10)],
    on: { 'a1.service': 'A', 'a2.service': 'A', 'b.service': 'B' },
    unit: 'vip.service',
    want: 'A: a1.service, a2.service',
  },
  {
    name: 'same highest priority: fewer victims wins',
    machines: [sized('A', 4), sized('B', 4)],
    units: [u('a1.service', 2), u('a2.service', 2), u('b.service', 4), u('vip.service', 3, 10)],
    on: { 'a1.service': 'A', 'a2.service': 'A', 'b.service': 'B' },
    unit: 'vip.service',
    want: 'B: b.service',
  },
  {
    name: 'same priority and count: least freed wins',
    machines: [sized('A', 4), sized('B', 4)],
    units: [u('a.service', 4), u('b1.service', 3), u('b2.service', 1), u('vip.service', 2, 10)],
    on: { 'a.service': 'A', 'b1.service': 'B', 'b2.service': 'B' },
    unit: 'vip.service',
    want: 'B: b1.service',
  },
  {
    name: 'all equal: lowest machine id wins',
    machines: [sized('B', 4), sized('A', 4)],
    units: [u('a.service', 4), u('b.service', 4), u('vip.service', 2, 10)],
    on: { 'a.service': 'A', 'b.service': 'B' },
    unit: 'vip.service',
    want: 'A: a.service',
  },
  {
    name: 'spares what is not needed: the big victim alone, not the small ones too',
    machines: [sized('A', 4)],
    units: [u('big.service', 3), u('small.service', 1), u('vip.service', 3, 10)],
    on: { 'big.service': 'A', 'small.service': 'A' },
    unit: 'vip.service',
    want: 'A: big.service',
  },
  {
    name: 'takes lower priorities first, a middle one only if needed',
    machines: [sized('A', 6)],
    units: [u('p1.service', 2, 1), u('p5.service', 2, 5), u('p7.service', 2, 7), u('vip.service', 4, 10)],
    on: { 'p1.service': 'A', 'p5.service': 'A', 'p7.service': 'A' },
    unit: 'vip.service',
    want: 'A: p1.service, p5.service',
  },
  {
    name: 'only where Resources is the sole rejection: metadata mismatch is not fixed by preempting',
    machines: [sized('A', 4, { disk: 'hdd' }), sized('B', 4, { disk: 'ssd' })],
    units: [u('a.service', 4), u('b.service', 4, 20), u('vip.service', 2, 10, { metadata: { disk: ['ssd'] } })],
    on: { 'a.service': 'A', 'b.service': 'B' },
    unit: 'vip.service',
    want: undefined,
  },
  {
    name: 'not where Conflicts also rejects',
    machines: [sized('A', 4)],
    units: [u('low.service', 4), u('other.service', 0), u('vip.service', 2, 10, { conflicts: ['other.service'] })],
    on: { 'low.service': 'A', 'other.service': 'A' },
    unit: 'vip.service',
    want: undefined,
  },
  {
    name: 'a machine too small even when empty is never a candidate',
    machines: [sized('A', 2)],
    units: [u('low.service', 2), u('vip.service', 3, 10)],
    on: { 'low.service': 'A' },
    unit: 'vip.service',
    want: undefined,
  },
  {
    name: 'not enough to free among allowed victims',
    machines: [sized('A', 4)],
    units: [u('low.service', 1), u('keep.service', 3, 0, { preemptible: false }), u('vip.service', 2, 10)],
    on: { 'low.service': 'A', 'keep.service': 'A' },
    unit: 'vip.service',
    want: undefined,
  },
  {
    name: 'a MachineOf peer of the unit is never a victim',
    machines: [sized('A', 4)],
    units: [u('db.service', 3), u('vip.service', 2, 10, { machineOf: ['db.service'] })],
    on: { 'db.service': 'A' },
    unit: 'vip.service',
    want: undefined,
  },
  {
    name: 'a leader whose follower shares the machine is not a victim (its follower would go too)',
    machines: [sized('A', 4)],
    units: [u('lead.service', 3), u('side.service', 0, 0, { machineOf: ['lead.service'] }), u('vip.service', 2, 10)],
    on: { 'lead.service': 'A', 'side.service': 'A' },
    unit: 'vip.service',
    want: undefined,
  },
  {
    name: 'a pinned unit preempts on its own machine',
    machines: [sized('A', 4), sized('B', 4)],
    units: [u('a.service', 4), u('b.service', 4), u('vip.service', 2, 10, { machineId: 'B' })],
    on: { 'a.service': 'A', 'b.service': 'B' },
    unit: 'vip.service',
    want: 'B: b.service',
  },
];

for (const c of cases) {
  test(`victim choice: ${c.name}`, () => {
    const snap = snapshot(c.machines, c.units, Object.fromEntries(Object.entries(c.on).map(([n, m]) => [n, [m]])));
    const { state, unit: unitOf } = stateFor(snap);
    const got = choosePreemption(unitOf(c.unit), state, createPipeline(undefined, true), new Set(c.shielded ?? []));
    const shown = got === undefined ? undefined : `${state.machines[got.machine]!.id}: ${got.victims.map((v) => v.name).join(', ')}`;
    assert.equal(shown, c.want);
  });
}

test('planner: the victim moves to a machine with room; the plan names the preemption', () => {
  // B is fuller than A but has room for low; vip fits only on A (B lacks 3 cores).
  const snap = snapshot([sized('A', 4), sized('B', 4)], [u('low.service', 2), u('mid.service', 2), u('vip.service', 3, 10)], { 'low.service': ['A'], 'mid.service': ['B'] });
  const plan = planSchedule(snap);
  assert.deepEqual(summary(plan), ['-low.service@A', '+low.service@B', '+vip.service@A']);
  assert.deepEqual(plan.preemptions, [{ unit: 'vip.service', priority: 10, machine: 'A', victims: [{ unit: 'low.service', priority: 0 }] }]);
  assert.deepEqual(plan.unplaced, []);
  const reasons = Object.fromEntries(plan.decisions.map((d) => [`${d.kind} ${d.unit}`, d.reason]));
  assert.equal(reasons['unschedule low.service'], 'preempted by vip.service (priority 10)');
  assert.equal(reasons['schedule low.service'], 'rescheduled: preempted by vip.service (priority 10)');
  assert.equal(reasons['schedule vip.service'], 'preempted low.service (priority 0) on machine A');
  assert.deepEqual(planSchedule(applyPlan(snap, plan)).decisions, [], 'settled');
});

test('planner: a victim with nowhere to go waits (explained by Resources)', () => {
  const snap = snapshot([sized('A', 4)], [u('low.service', 3), u('vip.service', 2, 10)], { 'low.service': ['A'] });
  const plan = planSchedule(snap);
  assert.deepEqual(summary(plan), ['-low.service@A', '+vip.service@A']);
  assert.deepEqual(plan.unplaced.map((e) => [e.unit, e.rejections.map((r) => r.filter)]), [['low.service', ['Resources']]]);
  const next = applyPlan(snap, plan);
  assert.deepEqual(planSchedule(next).decisions, [], 'the victim does not come back, nor does vip leave');
  assert.equal(planSchedule(next).preemptions, undefined);
});

test('planner: policy "preemption": false turns it off', () => {
  const snap: ClusterSnapshot = { ...snapshot([sized('A', 4)], [u('low.service', 3), u('vip.service', 2, 10)], { 'low.service': ['A'] }), policy: parsePolicy({ preemption: false }) };
  const plan = planSchedule(snap);
  assert.deepEqual(plan.decisions, []);
  assert.equal(plan.preemptions, undefined);
  assert.deepEqual(plan.unplaced.map((e) => e.unit), ['vip.service']);
});

test('planner: the engine\'s shield keeps a unit from being preempted', () => {
  const snap: ClusterSnapshot = { ...snapshot([sized('A', 4)], [u('low.service', 3), u('vip.service', 2, 10)], { 'low.service': ['A'] }), shielded: new Set(['low.service']) };
  assert.deepEqual(planSchedule(snap).decisions, []);
});

test('planner: higher priorities are placed first, so nobody is preempted among new units', () => {
  const snap = snapshot([sized('A', 4)], [u('a-low.service', 3), u('z-vip.service', 3, 10)]);
  const plan = planSchedule(snap);
  assert.deepEqual(summary(plan), ['+z-vip.service@A']);
  assert.equal(plan.preemptions, undefined);
});

test('planner: a chain: vip preempts mid, mid preempts low elsewhere, low waits', () => {
  const snap = snapshot(
    [sized('A', 4), sized('B', 4)],
    [u('mid.service', 3, 5), u('low.service', 3), u('vip.service', 3, 10, { machineId: 'A' })],
    { 'mid.service': ['A'], 'low.service': ['B'] },
  );
  const plan = planSchedule(snap);
  assert.deepEqual(summary(plan), ['-low.service@B', '-mid.service@A', '+mid.service@B', '+vip.service@A']);
  assert.deepEqual(plan.preemptions?.map((p) => `${p.unit}>${p.victims.map((v) => v.unit).join(',')}`), ['vip.service>mid.service', 'mid.service>low.service']);
  assert.deepEqual(plan.unplaced.map((e) => e.unit), ['low.service']);
  assert.deepEqual(planSchedule(applyPlan(snap, plan)).decisions, []);
});

test('planner: no priorities anywhere: the same plan as before (no preemptions field)', () => {
  const snap = snapshot([sized('A', 4)], [u('a.service', 3), u('b.service', 2)], { 'a.service': ['A'] });
  const plan = planSchedule(snap);
  assert.deepEqual(plan.decisions, []);
  assert.equal('preemptions' in plan, false);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyPlan, formatExplanation, planSchedule } from '../../../src/scheduler/index.js';
import type { ClusterSnapshot } from '../../../src/scheduler/types.js';
import { machine, snapshot, summary, unit } from './fixtures.js';
import { violations } from './check.js';

interface Case {
  name: string;
  snap: ClusterSnapshot;
  /** `-unit@machine` / `+unit@machine`, in plan order. */
  decisions: string[];
  /** unit -> formatted explanation. */
  unplaced?: Record<string, string>;
}

const AB = [machine('A'), machine('B')];
const ABC = [machine('A'), machine('B'), machine('C')];

const cases: Case[] = [
  { name: 'empty cluster', snap: snapshot([], []), decisions: [] },
  {
    name: 'fleet: reschedule if the target machine is gone (unschedule + schedule in one pass)',
    snap: snapshot([machine('XXX'), machine('YYY')], [unit('foo.service')], { 'foo.service': ['ZZZ'] }),
    decisions: ['-foo.service@ZZZ', '+foo.service@XXX'],
  },
  {
    name: 'fleet Replace example: kick0 lands where replace.0 runs, replace.0 moves, in one pass',
    snap: snapshot(
      AB,
      [unit('replace.0.service'), unit('replace.1.service'), unit('replace.2.service'), unit('replace-kick0.service', { replaces: ['replace.0.service'] })],
      { 'replace.0.service': ['A'], 'replace.1.service': ['B'], 'replace.2.service': ['B'] },
    ),
    decisions: ['-replace.0.service@A', '+replace-kick0.service@A', '+replace.0.service@B'],
  },
  {
    name: "fleet Replace example, fleet's second pass: both already on A, the replaced unit moves",
    snap: snapshot(
      AB,
      [unit('replace.0.service'), unit('replace.1.service'), unit('replace.2.service'), unit('replace-kick0.service', { replaces: ['replace.0.service'] })],
      { 'replace.0.service': ['A'], 'replace-kick0.service': ['A'], 'replace.1.service': ['B'], 'replace.2.service': ['B'] },
    ),
    decisions: ['-replace.0.service@A', '+replace.0.service@B'],
  },
  {
    name: 'least loaded first, ties by machine id',
    snap: snapshot(ABC, [unit('a.service'), unit('b.service'), unit('c.service'), unit('d.service')], { 'a.service': ['A'] }),
    decisions: ['+b.service@B', '+c.service@C', '+d.service@A'],
  },
  {
    name: 'global units count toward load',
    snap: snapshot([machine('A', { role: 'edge' }), machine('B')], [unit('edge.service', { global: true, metadata: { role: ['edge'] } }), unit('x.service')], {
      'edge.service': ['A'],
    }),
    decisions: ['+x.service@B'],
  },
  {
    name: 'stability: valid placements stay even when unbalanced',
    snap: snapshot(AB, [unit('a.service'), unit('b.service'), unit('c.service')], { 'a.service': ['A'], 'b.service': ['A'], 'c.service': ['A'] }),
    decisions: [],
  },
  {
    name: 'desired state inactive unschedules; a destroyed unit is unscheduled',
    snap: snapshot(AB, [unit('off.service', {}, 'inactive'), unit('on.service', {}, 'loaded')], { 'off.service': ['A'], 'gone.service': ['B'], 'on.service': ['B'] }),
    decisions: ['-gone.service@B', '-off.service@A'],
  },
  {
    name: 'metadata changed: the unit moves to a machine that matches',
    snap: snapshot([machine('A', { region: 'us' }), machine('B', { region: 'eu' })], [unit('eu.service', { metadata: { region: ['eu'] } })], {
      'eu.service': ['A'],
    }),
    decisions: ['-eu.service@A', '+eu.service@B'],
  },
  {
    name: 'a new conflicting unit goes elsewhere; the running one stays',
    snap: snapshot(AB, [unit('old.service'), unit('new.service', { conflicts: ['old.service'] }), unit('filler.service')], {
      'old.service': ['A'],
      'filler.service': ['B'],
    }),
    decisions: ['+new.service@B'],
  },
  {
    name: 'two scheduled units that now conflict: the later in name order moves',
    snap: snapshot(AB, [unit('a.service', { conflicts: ['b.service'] }), unit('b.service')], { 'a.service': ['A'], 'b.service': ['A'] }),
    decisions: ['-b.service@A', '+b.service@B'],
  },
  {
    name: 'conflicting template instances spread over machines',
    snap: snapshot(ABC, [1, 2, 3, 4, 5].map((i) => unit(`web@${i}.service`, { conflicts: ['web@*.service'] }))),
    decisions: ['+web@1.service@A', '+web@2.service@B', '+web@3.service@C'],
    unplaced: {
      'web@4.service': '0 of 3 machines eligible: 3 by Conflicts (web@*.service)',
      'web@5.service': '0 of 3 machines eligible: 3 by Conflicts (web@*.service)',
    },
  },
  {
    name: 'MachineOf: follower sorted before its leader is still placed with it in one pass',
    snap: snapshot(AB, [unit('a-sidekick.service', { machineOf: ['z-app.service'] }), unit('z-app.service'), unit('m.service')], { 'm.service': ['A'] }),
    decisions: ['+a-sidekick.service@B', '+z-app.service@B'],
  },
  {
    name: 'MachineOf: the follower moves with its leader',
    snap: snapshot(
      [machine('A'), machine('B', { disk: 'ssd' })],
      [unit('db.service', { metadata: { disk: ['ssd'] } }), unit('db-backup.service', { machineOf: ['db.service'] })],
      { 'db.service': ['A'], 'db-backup.service': ['A'] },
    ),
    decisions: ['-db-backup.service@A', '-db.service@A', '+db-backup.service@B', '+db.service@B'],
  },
  {
    name: 'MachineOf: bidirectional peers can never be placed',
    snap: snapshot(AB, [unit('x.service', { machineOf: ['y.service'] }), unit('y.service', { machineOf: ['x.service'] })]),
    decisions: [],
    unplaced: {
      'x.service': '0 of 2 machines eligible: 2 by MachineOf (y.service)',
      'y.service': '0 of 2 machines eligible: 2 by MachineOf (x.service)',
    },
  },
  {
    name: 'MachineOf: an inactive peer is never scheduled, so the follower waits',
    snap: snapshot(AB, [unit('p.service', {}, 'inactive'), unit('f.service', { machineOf: ['p.service'] })]),
    decisions: [],
    unplaced: { 'f.service': '0 of 2 machines eligible: 2 by MachineOf (p.service)' },
  },
  {
    name: 'global unit: added to a new machine, removed where metadata stopped matching',
    snap: snapshot(
      [machine('A', { os: 'coreos' }), machine('B', { os: 'coreos' }), machine('C', { os: 'other' })],
      [unit('agent.service', { global: true, metadata: { os: ['coreos'] } })],
      { 'agent.service': ['A', 'C', 'gone'] },
    ),
    decisions: ['-agent.service@C', '-agent.service@gone', '+agent.service@B'],
  },
  {
    name: 'global units in conflict: the lexicographically first wins, even over an incumbent',
    snap: snapshot(AB, [unit('b-log.service', { global: true, conflicts: ['a-log.service'] }), unit('a-log.service', { global: true })], {
      'b-log.service': ['A', 'B'],
    }),
    decisions: ['-b-log.service@A', '-b-log.service@B', '+a-log.service@A', '+a-log.service@B'],
    unplaced: { 'b-log.service': '0 of 2 machines eligible: 2 by Conflicts (a-log.service)' },
  },
  {
    name: 'an ordinary unit conflicting with a global unit moves out of its way',
    snap: snapshot(
      [machine('A', { role: 'edge' }), machine('B')],
      [unit('proxy.service', { global: true, metadata: { role: ['edge'] } }), unit('legacy-proxy.service', { conflicts: ['proxy.service'] })],
      { 'legacy-proxy.service': ['A'] },
    ),
    decisions: ['-legacy-proxy.service@A', '+legacy-proxy.service@B', '+proxy.service@A'],
  },
  {
    name: "Replaces: the moved unit's own constraints are checked (fleet quirk #3)",
    snap: snapshot(
      [machine('A', { gpu: 'yes' }), machine('B')],
      [unit('trainer.service', { metadata: { gpu: ['yes'] } }), unit('trainer-v2.service', { replaces: ['trainer.service'] })],
      { 'trainer.service': ['A'] },
    ),
    decisions: ['-trainer.service@A', '+trainer-v2.service@A'],
    unplaced: { 'trainer.service': '0 of 2 machines eligible: 1 by MachineMetadata (gpu=yes), 1 by Replaces (trainer.service)' },
  },
  {
    name: 'Replaces: the declaring unit displaces, even when it was there first (fleet quirk #3)',
    snap: snapshot(AB, [unit('guard.service', { replaces: ['intruder.service'] }), unit('intruder.service')], { 'guard.service': ['A'] }),
    decisions: ['+intruder.service@B'],
  },
  {
    name: "Replaces: when the replaced unit's machine does not suit the new unit, it goes elsewhere and nothing moves",
    snap: snapshot([machine('A', { region: 'us' }), machine('B', { region: 'eu' })], [unit('v1.service'), unit('v2.service', { replaces: ['v1.service'], metadata: { region: ['eu'] } })], {
      'v1.service': ['A'],
    }),
    decisions: ['+v2.service@B'],
  },
  {
    name: 'Replaces: the replaced unit takes its MachineOf followers along',
    snap: snapshot(
      AB,
      [unit('v1.service'), unit('v1-log.service', { machineOf: ['v1.service'] }), unit('v2.service', { replaces: ['v1.service'] })],
      { 'v1.service': ['A'], 'v1-log.service': ['A'] },
    ),
    decisions: ['-v1-log.service@A', '-v1.service@A', '+v1-log.service@B', '+v1.service@B', '+v2.service@A'],
  },
  {
    name: 'Replaces: circular replaces are kept apart and reported',
    snap: snapshot(AB, [unit('ping.service', { replaces: ['pong.service'] }), unit('pong.service', { replaces: ['ping.service'] })], { 'ping.service': ['A'] }),
    decisions: ['+pong.service@B'],
  },
  {
    name: 'a unit that did not fit is retried in the same pass once a displacement frees a machine',
    snap: snapshot([machine('A')], [unit('a.service', { conflicts: ['v.service'] }), unit('v.service'), unit('w.service', { replaces: ['v.service'] })], {
      'v.service': ['A'],
    }),
    decisions: ['-v.service@A', '+a.service@A', '+w.service@A'],
    unplaced: { 'v.service': '0 of 1 machines eligible: 1 by Conflicts (v.service)' },
  },
  {
    name: 'duplicate schedule entries of an ordinary unit: the first valid one is kept',
    snap: snapshot(AB, [unit('x.service')], { 'x.service': ['B', 'A'] }),
    decisions: ['-x.service@B'],
  },
  {
    name: 'MachineID pins the unit; a missing machine leaves it unplaced',
    snap: snapshot(AB, [unit('pin.service', { machineId: 'B' }), unit('lost.service', { machineId: 'Q' })]),
    decisions: ['+pin.service@B'],
    unplaced: { 'lost.service': '0 of 2 machines eligible: 2 by MachineID (Q)' },
  },
  {
    name: 'explanation counts rejections per filter',
    snap: snapshot(
      [machine('m1', { region: 'eu' }), machine('m2', { region: 'eu' }), machine('m3', { region: 'eu' }), machine('m4', { region: 'us' }), machine('m5', { region: 'us' })],
      [unit('web@1.service'), unit('web@2.service'), unit('web@3.service'), unit('api.service', { metadata: { region: ['eu'] }, conflicts: ['web@*'] })],
      { 'web@1.service': ['m1'], 'web@2.service': ['m2'], 'web@3.service': ['m3'] },
    ),
    decisions: [],
    unplaced: { 'api.service': '0 of 5 machines eligible: 3 by Conflicts (web@*), 2 by MachineMetadata (region=eu)' },
  },
  { name: 'no machines', snap: snapshot([], [unit('x.service')]), decisions: [], unplaced: { 'x.service': '0 of 0 machines eligible: no machines registered' } },
];

for (const c of cases) {
  test(`planSchedule: ${c.name}`, () => {
    const plan = planSchedule(c.snap);
    assert.deepEqual(summary(plan), c.decisions);
    const unplaced = Object.fromEntries(plan.unplaced.map((e) => [e.unit, formatExplanation(e)]));
    assert.deepEqual(unplaced, c.unplaced ?? {});
    const after = applyPlan(c.snap, plan);
    assert.deepEqual(violations(after), [], 'the plan leaves no violated constraint');
    assert.deepEqual(summary(planSchedule(after)), [], 'a second pass has nothing to do');
  });
}

test('planSchedule: reasons say why', () => {
  const plan = planSchedule(snapshot([machine('XXX')], [unit('foo.service'), unit('bar.service', {}, 'loaded')], { 'foo.service': ['ZZZ'] }));
  assert.deepEqual(plan.decisions, [
    { kind: 'unschedule', unit: 'foo.service', machine: 'ZZZ', reason: 'machine ZZZ went away' },
    { kind: 'schedule', unit: 'bar.service', machine: 'XXX', reason: 'desired state loaded and unit not scheduled' },
    { kind: 'schedule', unit: 'foo.service', machine: 'XXX', reason: 'rescheduled: machine ZZZ went away' },
  ]);
});

test('planSchedule: circular Replaces and MachineOf are reported as warnings', () => {
  const plan = planSchedule(
    snapshot(AB, [
      unit('ping.service', { replaces: ['pong.service'] }),
      unit('pong.service', { replaces: ['ping.service'] }),
      unit('x.service', { machineOf: ['y.service'] }),
      unit('y.service', { machineOf: ['x.service'] }),
    ]),
  );
  assert.deepEqual(
    plan.warnings.map((w) => w.units),
    [
      ['ping.service', 'pong.service'],
      ['x.service', 'y.service'],
    ],
  );
  assert.match(plan.warnings[0]!.message, /circular Replaces/);
  assert.match(plan.warnings[1]!.message, /circular MachineOf/);
});

test('planSchedule: explanation data carries counts, constraints and an example', () => {
  const plan = planSchedule(snapshot([machine('A', { region: 'us' })], [unit('eu.service', { metadata: { region: ['eu'] } })]));
  assert.deepEqual(plan.unplaced, [
    {
      unit: 'eu.service',
      machines: 1,
      eligible: 0,
      rejections: [{ filter: 'MachineMetadata', kind: 'never', machines: 1, constraints: ['region=eu'], example: 'A: machine has region=us (needs region=eu)' }],
    },
  ]);
});

test('planSchedule: a unit given twice: the first one given is used, whatever the order of names, with one warning per repeat', () => {
  const warning = (name: string) => ({ units: [name], message: `unit ${name} appears more than once in the snapshot; the first is used` });
  // b.service first inactive then launched: it stays inactive (its entry is removed); a.service three times, launched first.
  const snap = snapshot(
    AB,
    [unit('b.service', {}, 'inactive'), unit('a.service'), unit('b.service'), unit('a.service', {}, 'inactive'), unit('a.service', { machineId: 'B' })],
    { 'b.service': ['A'] },
  );
  const plan = planSchedule(snap);
  assert.deepEqual(summary(plan), ['-b.service@A', '+a.service@A']);
  assert.deepEqual(plan.warnings, [warning('a.service'), warning('a.service'), warning('b.service')]);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planTasks, type DesiredUnit, type CurrentUnit } from '../../../src/agent/plan-tasks.js';

const H1 = '1c6fb6f3684bafb0c173d8b8b957ceff031180c1';
const H2 = '3750b3e9f3962a56c7582929426e9abb012754cf';
const want = (name: string, targetState: DesiredUnit['targetState'], hash = H1): DesiredUnit => ({ name, hash, targetState });
const have = (name: string, launched: boolean, hash = H1): CurrentUnit => ({ name, hash, launched });
const brief = (ts: ReturnType<typeof planTasks>) => ts.map((t) => (t.unit ? `${t.kind} ${t.unit}` : t.kind));

const cases: Array<{ name: string; desired: DesiredUnit[]; current: CurrentUnit[]; want: string[] }> = [
  { name: 'nothing to do', desired: [], current: [], want: [] },
  { name: 'new launched unit: load, reload, start', desired: [want('a.service', 'launched')], current: [], want: ['load a.service', 'reload', 'start a.service'] },
  { name: 'new loaded unit: load and reload only', desired: [want('a.service', 'loaded')], current: [], want: ['load a.service', 'reload'] },
  { name: 'no longer scheduled: unload', desired: [], current: [have('a.service', true)], want: ['unload a.service', 'reload'] },
  { name: 'launched and wanted launched: nothing (adoption keeps MainPID)', desired: [want('a.service', 'launched')], current: [have('a.service', true)], want: [] },
  { name: 'loaded, wanted launched: start only, no reload', desired: [want('a.service', 'launched')], current: [have('a.service', false)], want: ['start a.service'] },
  { name: 'launched, wanted loaded: stop', desired: [want('a.service', 'loaded')], current: [have('a.service', true)], want: ['stop a.service'] },
  { name: 'loaded and wanted loaded: nothing', desired: [want('a.service', 'loaded')], current: [have('a.service', false)], want: [] },
  {
    name: 'content changed: unload, load, reload, start',
    desired: [want('a.service', 'launched', H2)],
    current: [have('a.service', true, H1)],
    want: ['unload a.service', 'load a.service', 'reload', 'start a.service'],
  },
  {
    name: 'enforced limits added to a running unit: limit + reload, no restart',
    desired: [{ ...want('a.service', 'launched'), dropIn: 'X' }],
    current: [have('a.service', true)],
    want: ['limit a.service', 'reload'],
  },
  {
    name: 'enforcement turned off: the drop-in goes, the unit keeps running',
    desired: [want('a.service', 'launched')],
    current: [{ ...have('a.service', true), dropIn: 'X' }],
    want: ['limit a.service', 'reload'],
  },
  {
    name: 'a new unit gets its drop-in with the load (no separate limit task)',
    desired: [{ ...want('a.service', 'launched'), dropIn: 'X' }],
    current: [],
    want: ['load a.service', 'reload', 'start a.service'],
  },
  {
    name: 'same drop-in: nothing',
    desired: [{ ...want('a.service', 'launched'), dropIn: 'X' }],
    current: [{ ...have('a.service', true), dropIn: 'X' }],
    want: [],
  },
  {
    name: 'limit before the start of a loaded unit',
    desired: [{ ...want('a.service', 'launched'), dropIn: 'X' }],
    current: [have('a.service', false)],
    want: ['limit a.service', 'reload', 'start a.service'],
  },
  {
    name: 'many units: grouped by kind, by name within a kind, one reload',
    desired: [want('c.service', 'launched'), want('b.service', 'loaded'), want('d.service', 'loaded')],
    current: [have('a.service', true), have('d.service', true), have('c.service', false)],
    want: ['unload a.service', 'load b.service', 'reload', 'stop d.service', 'start c.service'],
  },
  {
    name: 'preemption: the victims are unloaded (stopped) before the newcomer starts, even when they sort after it',
    desired: [{ ...want('a-vip.service', 'launched'), preempts: ['z-low.service', 'y-low.service'] }],
    current: [have('y-low.service', true), have('z-low.service', true)],
    want: ['unload y-low.service', 'unload z-low.service', 'load a-vip.service', 'reload', 'start a-vip.service'],
  },
]

for (const c of cases) {
  test(`planTasks: ${c.name}`, () => {
    assert.deepEqual(brief(planTasks(c.desired, c.current)), c.want);
  });
}

test('planTasks with held units: a held unit that is not scheduled here is left alone; everything else as usual', () => {
  const held = new Set(['a.service', 'b.service']);
  const cases: Array<{ name: string; desired: DesiredUnit[]; current: CurrentUnit[]; want: string[] }> = [
    { name: 'held and unscheduled: kept running', desired: [], current: [have('a.service', true), have('b.service', false)], want: [] },
    { name: 'not held and unscheduled: unloaded', desired: [], current: [have('a.service', true), have('z.service', true)], want: ['unload z.service', 'reload'] },
    { name: 'held and scheduled again with the same body: nothing (same process)', desired: [want('a.service', 'launched')], current: [have('a.service', true)], want: [] },
    { name: 'held but scheduled with another body: replaced', desired: [want('a.service', 'launched', H2)], current: [have('a.service', true)], want: ['unload a.service', 'load a.service', 'reload', 'start a.service'] },
    { name: 'held but scheduled loaded: stopped', desired: [want('a.service', 'loaded')], current: [have('a.service', true)], want: ['stop a.service'] },
    { name: 'new units still start during a hold', desired: [want('n.service', 'launched')], current: [have('a.service', true)], want: ['load n.service', 'reload', 'start n.service'] },
  ];
  for (const c of cases) assert.deepEqual(brief(planTasks(c.desired, c.current, held)), c.want, c.name);
});

test('every task carries a reason', () => {
  const tasks = planTasks([want('a.service', 'launched', H2), want('b.service', 'launched')], [have('a.service', true), have('z.service', false)]);
  assert.ok(tasks.length > 0);
  for (const t of tasks) assert.ok(t.reason.length > 0, `${t.kind} ${t.unit} has no reason`);
  assert.match(tasks.find((t) => t.kind === 'load' && t.unit === 'a.service')!.reason, /1c6fb6f -> 3750b3e/);
});

test('planning is idempotent once applied', () => {
  const desired = [want('a.service', 'launched'), want('b.service', 'loaded')];
  const applied: CurrentUnit[] = desired.map((d) => have(d.name, d.targetState === 'launched', d.hash));
  assert.deepEqual(planTasks(desired, applied), []);
});

test('preemption: the start waits on the victims still here; victims already gone or rescheduled here do not hold it', () => {
  const vip: DesiredUnit = { ...want('vip.service', 'launched'), preempts: ['gone.service', 'low.service', 'back.service'] };
  const tasks = planTasks([vip, want('back.service', 'launched')], [have('low.service', true), have('back.service', true)]);
  const start = tasks.find((t) => t.kind === 'start' && t.unit === 'vip.service')!;
  assert.deepEqual(start.after, ['low.service']);
  assert.match(start.reason, /once preempted low.service stopped/);
  assert.ok(tasks.indexOf(tasks.find((t) => t.kind === 'unload' && t.unit === 'low.service')!) < tasks.indexOf(start));
  // Once the victims are gone the entry's preempts is history: a plain start.
  const later = planTasks([vip], [have('vip.service', false)]);
  assert.deepEqual(later.map((t) => [t.kind, t.unit, t.after]), [['start', 'vip.service', undefined]]);
});

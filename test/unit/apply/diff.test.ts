/** `diffUnitSet` and `optionChanges`: named cases, whole results compared. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildDesiredSet, diffUnitSet, needsWrite, optionChanges, rolloutsUnderWay, type ClusterUnit, type DesiredUnit, type SetDiff } from '../../../src/apply/index.js';
import { buildUnit, optionsHash } from '../../../src/units/index.js';
import type { DesiredState } from '../../../src/domain/index.js';

const A = '[Service]\nExecStart=/bin/sleep 1\n';
const B = '[Service]\nExecStart=/bin/sleep 2\n';
const GLOBAL = '[Service]\nExecStart=/bin/sleep 1\n\n[X-Fleet]\nGlobal=true\n';
const GLOBAL2 = '[Service]\nExecStart=/bin/sleep 2\n\n[X-Fleet]\nGlobal=true\n';
const EXEC = { section: 'Service', name: 'ExecStart', change: 'changed' } as const;

function desired(files: Record<string, string>, state: DesiredState = 'launched'): DesiredUnit[] {
  return buildDesiredSet(Object.entries(files).map(([name, text]) => ({ path: `d/${name}`, name, text })), state);
}

function cluster(units: Record<string, [string, DesiredState]>): ClusterUnit[] {
  return Object.entries(units).map(([name, [text, desiredState]]) => ({ name, options: buildUnit(name, text).options, desiredState }));
}

const hash = (name: string, text: string): string => buildUnit(name, text).hash;

interface Case {
  readonly name: string;
  readonly files: Record<string, string>;
  readonly current: Record<string, [string, DesiredState]>;
  readonly membership?: Record<string, string>;
  readonly want: Omit<SetDiff, 'set'>;
}

const CASES: Case[] = [
  {
    name: 'empty cluster: everything is new; a template stays inactive; groups by kind',
    files: { 'a.service': A, 'g.service': GLOBAL, 't@.service': A, 't@1.service': A },
    current: {},
    want: {
      changes: [
        { op: 'create', name: 'a.service', group: 'unit', hash: hash('a.service', A), desired: 'launched' },
        { op: 'create', name: 'g.service', group: 'global', hash: hash('g.service', GLOBAL), desired: 'launched' },
        { op: 'create', name: 't@.service', group: 'template', hash: hash('t@.service', A), desired: 'inactive' },
        { op: 'create', name: 't@1.service', group: 'instance', hash: hash('t@1.service', A), desired: 'launched' },
      ],
      unchanged: [],
      conflicts: [],
    },
  },
  {
    name: 'same body and state: unchanged, whoever created it',
    files: { 'a.service': A, 'b.service': A },
    current: { 'a.service': [A, 'launched'], 'b.service': [A, 'launched'] },
    membership: { 'a.service': 'web' },
    want: { changes: [], unchanged: ['a.service', 'b.service'], conflicts: [] },
  },
  {
    name: 'new body: old and new hash with the changed option; state change alone; a unit made by hand is marked',
    files: { 'a.service': B, 'b.service': A, 'hand.service': B },
    current: { 'a.service': [A, 'launched'], 'b.service': [A, 'loaded'], 'hand.service': [A, 'launched'] },
    membership: { 'a.service': 'web', 'b.service': 'web' },
    want: {
      changes: [
        { op: 'change', name: 'a.service', group: 'unit', oldHash: hash('a.service', A), newHash: hash('a.service', B), options: [{ section: 'Service', name: 'ExecStart', change: 'changed' }], update: { via: 'inPlace' }, oldDesired: 'launched', desired: 'launched', member: true },
        { op: 'change', name: 'b.service', group: 'unit', oldHash: hash('b.service', A), newHash: hash('b.service', A), options: [], oldDesired: 'loaded', desired: 'launched', member: true },
        { op: 'change', name: 'hand.service', group: 'unit', oldHash: hash('hand.service', A), newHash: hash('hand.service', B), options: [{ section: 'Service', name: 'ExecStart', change: 'changed' }], update: { via: 'inPlace' }, oldDesired: 'launched', desired: 'launched', member: false },
      ],
      unchanged: [],
      conflicts: [],
    },
  },
  {
    name: 'a changed template goes through a rollout; its instances on the same text move with it; an instance with its own text is replaced in place',
    files: { 't@.service': B, 't@1.service': B, 't@2.service': B, 't@3.service': `${B}Environment=X=1\n` },
    current: { 't@.service': [A, 'inactive'], 't@1.service': [A, 'launched'], 't@2.service': [A, 'loaded'], 't@3.service': [A, 'launched'] },
    want: {
      changes: [
        { op: 'change', name: 't@.service', group: 'template', oldHash: hash('t@.service', A), newHash: hash('t@.service', B), options: [EXEC], update: { via: 'rollout', group: 't@.service' }, oldDesired: 'inactive', desired: 'inactive', member: false },
        { op: 'change', name: 't@1.service', group: 'instance', oldHash: hash('t@1.service', A), newHash: hash('t@1.service', B), options: [EXEC], update: { via: 'rollout', group: 't@.service' }, oldDesired: 'launched', desired: 'launched', member: false },
        { op: 'change', name: 't@2.service', group: 'instance', oldHash: hash('t@2.service', A), newHash: hash('t@2.service', B), options: [EXEC], update: { via: 'rollout', group: 't@.service' }, oldDesired: 'loaded', desired: 'launched', member: false },
        {
          op: 'change', name: 't@3.service', group: 'instance', oldHash: hash('t@3.service', A), newHash: hash('t@3.service', `${B}Environment=X=1\n`),
          options: [EXEC, { section: 'Service', name: 'Environment', change: 'added' }], update: { via: 'inPlace' }, oldDesired: 'launched', desired: 'launched', member: false,
        },
      ],
      unchanged: [],
      conflicts: [],
    },
  },
  {
    name: 'a global unit goes through a rollout only while it stays global and launched',
    files: { 'g.service': GLOBAL2, 'h.service': GLOBAL2, 'i.service': B, 'j.service': `${GLOBAL2}\n[X-Fleet]\nDesiredState=loaded\n` },
    current: { 'g.service': [GLOBAL, 'launched'], 'h.service': [GLOBAL, 'loaded'], 'i.service': [GLOBAL, 'launched'], 'j.service': [GLOBAL, 'launched'] },
    want: {
      changes: [
        { op: 'change', name: 'g.service', group: 'global', oldHash: hash('g.service', GLOBAL), newHash: hash('g.service', GLOBAL2), options: [EXEC], update: { via: 'rollout', group: 'g.service' }, oldDesired: 'launched', desired: 'launched', member: false },
        { op: 'change', name: 'h.service', group: 'global', oldHash: hash('h.service', GLOBAL), newHash: hash('h.service', GLOBAL2), options: [EXEC], update: { via: 'inPlace' }, oldDesired: 'loaded', desired: 'launched', member: false },
        {
          op: 'change', name: 'i.service', group: 'unit', oldHash: hash('i.service', GLOBAL), newHash: hash('i.service', B), options: [EXEC, { section: 'X-Fleet', name: 'Global', change: 'removed' }],
          update: { via: 'inPlace' }, oldDesired: 'launched', desired: 'launched', member: false,
        },
        {
          op: 'change', name: 'j.service', group: 'global', oldHash: hash('j.service', GLOBAL), newHash: hash('j.service', `${GLOBAL2}\n[X-Fleet]\nDesiredState=loaded\n`),
          options: [EXEC, { section: 'X-Fleet', name: 'DesiredState', change: 'added' }], update: { via: 'inPlace' }, oldDesired: 'launched', desired: 'loaded', member: false,
        },
      ],
      unchanged: [],
      conflicts: [],
    },
  },
  {
    name: 'prune only members of this set that are gone from it and still exist',
    files: { 'a.service': A },
    current: { 'a.service': [A, 'launched'], 'old.service': [B, 'launched'], 'hand.service': [A, 'launched'], 'theirs.service': [A, 'launched'] },
    membership: { 'a.service': 'web', 'old.service': 'web', 'theirs.service': 'db', 'destroyed.service': 'web' },
    want: { changes: [{ op: 'prune', name: 'old.service', hash: hash('old.service', B) }], unchanged: ['a.service'], conflicts: [] },
  },
  {
    name: 'a unit another set created is a conflict, not a change',
    files: { 'a.service': B, 'b.service': A },
    current: { 'a.service': [A, 'launched'] },
    membership: { 'a.service': 'db' },
    want: { changes: [{ op: 'create', name: 'b.service', group: 'unit', hash: hash('b.service', A), desired: 'launched' }], unchanged: [], conflicts: [{ name: 'a.service', set: 'db' }] },
  },
];

for (const c of CASES) {
  test(`diff: ${c.name}`, () => {
    const got = diffUnitSet({ set: 'web', desired: desired(c.files), current: cluster(c.current), membership: new Map(Object.entries(c.membership ?? {})) });
    assert.deepEqual(got, { set: 'web', ...c.want });
  });
}

test('diff: applying the diff gives a cluster whose diff is empty (idempotence)', () => {
  const want = desired({ 'a.service': B, 'n.service': A, 't@.service': A });
  const first = diffUnitSet({ set: 'web', desired: want, current: cluster({ 'a.service': [A, 'loaded'], 'x.service': [A, 'launched'] }), membership: new Map([['x.service', 'web']]) });
  assert.equal(first.changes.length, 4);
  const after: ClusterUnit[] = want.map((d) => ({ name: d.unit.name, options: d.unit.options, desiredState: d.desired }));
  const second = diffUnitSet({ set: 'web', desired: want, current: after, membership: new Map(want.map((d) => [d.unit.name, 'web'])) });
  assert.deepEqual(second, { set: 'web', changes: [], unchanged: ['a.service', 'n.service', 't@.service'], conflicts: [] });
});

test('optionChanges: added, removed, changed; repeated keys compared as lists; values with newlines are not confused', () => {
  const before = buildUnit('a.service', '[Unit]\nAfter=x\n\n[Service]\nExecStartPre=/bin/a\nExecStartPre=/bin/b\nExecStart=/bin/sleep 1\n').options;
  const after = buildUnit('a.service', '[Service]\nExecStartPre=/bin/a\nExecStartPre=/bin/c\nExecStart=/bin/sleep 1\n\n[X-Fleet]\nConflicts=b*\n').options;
  assert.deepEqual(optionChanges(before, after), [
    { section: 'Service', name: 'ExecStartPre', change: 'changed' },
    { section: 'X-Fleet', name: 'Conflicts', change: 'added' },
    { section: 'Unit', name: 'After', change: 'removed' },
  ]);
  const split = [{ section: 'S', name: 'X', value: 'a\nb' }, { section: 'S', name: 'X', value: 'c' }];
  const joined = [{ section: 'S', name: 'X', value: 'a' }, { section: 'S', name: 'X', value: 'b\nc' }];
  assert.deepEqual(optionChanges(split, joined), [{ section: 'S', name: 'X', change: 'changed' }]);
  assert.deepEqual(optionChanges(after, after), []);
  assert.notEqual(optionsHash(split), optionsHash(joined));
});

test('diff: a rollout of the group to the same text not yet finished is under way (nothing to write); another text or a finished one is not', () => {
  const want = desired({ 't@.service': B, 't@1.service': B });
  const current = cluster({ 't@.service': [A, 'inactive'], 't@1.service': [A, 'launched'] });
  const to = hash('t@.service', B);
  const diffWith = (phase: 'running' | 'failed' | 'done', toHash: string) => diffUnitSet({ set: 'web', desired: want, current, membership: new Map(), rollouts: [{ group: 't@.service', phase, toHash }] });
  const running = diffWith('running', to);
  assert.deepEqual(running.changes.map((c) => (c.op === 'change' ? c.update : undefined)), [
    { via: 'rollout', group: 't@.service', underWay: true },
    { via: 'rollout', group: 't@.service', underWay: true },
  ]);
  assert.deepEqual(rolloutsUnderWay(running), ['t@.service']);
  assert.deepEqual(running.changes.map((c) => needsWrite(c, false)), [false, false]);
  assert.deepEqual(rolloutsUnderWay(diffWith('failed', to)), ['t@.service'], 'a failed rollout is not finished: apply waits on it (and reports it) instead of starting another');
  for (const other of [diffWith('done', to), diffWith('running', hash('t@.service', A))]) {
    assert.deepEqual(rolloutsUnderWay(other), []);
    assert.deepEqual(other.changes.map((c) => needsWrite(c, false)), [true, false], 'the template starts a rollout; its instance moves with it');
  }
});

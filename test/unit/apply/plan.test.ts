/** `planApply` and `buildDesiredSet`: the order of writes and what refuses a set. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApplyInputError, buildDesiredSet, diffUnitSet, planApply, type ApplyStep, type ClusterUnit } from '../../../src/apply/index.js';
import { DEFAULT_ROLLOUT_SETTINGS } from '../../../src/rollout/index.js';
import { buildUnit } from '../../../src/units/index.js';

const A = '[Service]\nExecStart=/bin/sleep 1\n';
const B = '[Service]\nExecStart=/bin/sleep 2\n';

const files = (f: Record<string, string>) => Object.entries(f).map(([name, text]) => ({ path: `d/${name}`, name, text }));

test('plan: creates (templates first), then changes (templates first), then prunes only with prune; each with a reason', () => {
  const want = buildDesiredSet(files({ 'z.service': A, 't@.service': B, 't@1.service': B, 'c.service': B, 's.service': A }), 'launched');
  const current: ClusterUnit[] = [
    { name: 'c.service', options: buildUnit('c.service', A).options, desiredState: 'launched' },
    { name: 't@.service', options: buildUnit('t@.service', A).options, desiredState: 'inactive' },
    { name: 's.service', options: buildUnit('s.service', A).options, desiredState: 'loaded' },
    { name: 'old.service', options: buildUnit('old.service', A).options, desiredState: 'launched' },
  ];
  const diff = diffUnitSet({ set: 'web', desired: want, current, membership: new Map([['old.service', 'web']]) });
  const shown = (prune: boolean) => planApply(diff, want, { prune }).map((s) => `${s.kind} ${s.name}${'desired' in s && s.desired !== undefined ? ` ${s.desired}` : ''}: ${s.reason}`);
  const changes = [
    'create t@1.service launched: new in the set',
    'create z.service launched: new in the set',
    `rollout t@.service: body ${buildUnit('t@.service', A).hash.slice(0, 7)} -> ${buildUnit('t@.service', B).hash.slice(0, 7)} through a rollout`,
    `replace c.service: body ${buildUnit('c.service', A).hash.slice(0, 7)} -> ${buildUnit('c.service', B).hash.slice(0, 7)}`,
    'setDesired s.service launched: desired state loaded -> launched',
  ];
  assert.deepEqual(shown(false), changes);
  assert.deepEqual(shown(true), [...changes, 'destroy old.service: created by apply set web, no longer in it']);
});

test('plan: a replace that also changes the desired state sets it in the same write', () => {
  const want = buildDesiredSet(files({ 'a.service': `${B}\n[X-Fleet]\nDesiredState=loaded\n` }), 'launched');
  const diff = diffUnitSet({ set: 'web', desired: want, current: [{ name: 'a.service', options: buildUnit('a.service', A).options, desiredState: 'launched' }], membership: new Map() });
  const [step] = planApply(diff, want, { prune: false });
  assert.equal(step?.kind, 'replace');
  assert.equal(step?.kind === 'replace' ? step.desired : undefined, 'loaded');
});

test('desired set: every problem at once, each naming its file; templates inactive; empty instance from its template', () => {
  const bad = () =>
    buildDesiredSet(
      files({
        'ok.service': A,
        'x@1.service': '',
        'empty.service': '',
        'web.mount@': A,
        'p.service': '[Service]\nExecStart=/bin/true\n[X-Fleet]\nMachineMetadata=nope\n',
      }),
      'launched',
    );
  assert.throws(bad, (err: unknown) => {
    assert.ok(err instanceof ApplyInputError);
    assert.deepEqual(err.problems, [
      'd/web.mount@: invalid unit name "web.mount@": invalid unit type: "mount@"',
      'd/x@1.service: empty instance file: its template x@.service must be in the set too (or make the file a symlink to it)',
      'd/empty.service: the file has no options (an empty unit)',
      'd/p.service: line 4: MachineMetadata value "nope" is not of the form "key=value" (several pairs: k1=v1 k2=v2)',
    ]);
    return true;
  });
  const dup = () => buildDesiredSet([...files({ 'a.service': A }), { path: 'e/a.service', name: 'a.service', text: B }], 'launched');
  assert.throws(dup, /e\/a\.service: unit a\.service is also given by d\/a\.service/);
  const set = buildDesiredSet(files({ 't@.service': A, 't@2.service': ' \n', 'b.service': B }), 'loaded');
  assert.deepEqual(set.map((d) => `${d.unit.name} ${d.desired} ${d.unit.hash === buildUnit(d.unit.name, d.unit.name === 'b.service' ? B : A).hash}`), [
    'b.service loaded true',
    't@.service inactive true',
    't@2.service loaded true',
  ]);
});

test('plan: one rollout per changed template, carrying its instances; settings from the flags over the file over the defaults; a bad combination names the file', () => {
  const T2 = `${B}\n[X-Fleet]\nRolloutMaxParallel=2\nRolloutMinHealthyTime=1s\n`;
  const want = buildDesiredSet(files({ 't@.service': T2, 't@1.service': '', 't@2.service': '' }), 'launched');
  const current: ClusterUnit[] = ['t@.service', 't@1.service', 't@2.service'].map((name) => ({ name, options: buildUnit(name, A).options, desiredState: name === 't@.service' ? 'inactive' : name === 't@2.service' ? 'loaded' : 'launched' }));
  const diff = diffUnitSet({ set: 'web', desired: want, current, membership: new Map() });
  const rollout = (steps: ApplyStep[]) => steps.find((s) => s.kind === 'rollout');
  const fromFile = planApply(diff, want, { prune: false });
  assert.deepEqual(fromFile.map((s) => `${s.kind} ${s.name}`), ['rollout t@.service', 'setDesired t@2.service'], 'instances need no write of their own; a state change still does');
  const r = rollout(fromFile);
  assert.ok(r?.kind === 'rollout');
  assert.deepEqual(r.settings, { ...DEFAULT_ROLLOUT_SETTINGS, maxParallel: 2, minHealthyTimeMs: 1000 });
  assert.deepEqual(r.carries, ['t@1.service', 't@2.service']);
  const flags = rollout(planApply(diff, want, { prune: false, rollout: { maxParallel: 3, autoRevert: true } }));
  assert.deepEqual(flags?.kind === 'rollout' ? flags.settings : undefined, { ...DEFAULT_ROLLOUT_SETTINGS, maxParallel: 3, minHealthyTimeMs: 1000, autoRevert: true });
  assert.throws(
    () => planApply(diff, want, { prune: false, rollout: { healthyDeadlineMs: 500 } }),
    (err: unknown) => err instanceof ApplyInputError && err.problems.join() === 'd/t@.service: healthy deadline (500ms) must be longer than min healthy time (1s)',
  );
});

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { applyRolloutControl, DEFAULT_ROLLOUT_SETTINGS, planRolloutCreate, RolloutRejectedError, type RolloutRecord } from '../../../src/rollout/index.js';
import { buildUnit, type UnitOption } from '../../../src/units/index.js';
import { decodeRollout, encodeRollout } from '../../../src/registry/index.js';

const opts = (...lines: [string, string, string][]): UnitOption[] => lines.map(([section, name, value]) => ({ section, name, value }));
const V1 = opts(['Service', 'ExecStart', '/bin/sleep 1000']);
const V2 = opts(['Service', 'ExecStart', '/bin/sleep 2000']);
const rec = (name: string, o: UnitOption[]) => {
  const u = buildUnit(name, o);
  return { name, options: u.options, hash: u.hash };
};
const rejected = (kind: string, message: RegExp) => (err: unknown) => err instanceof RolloutRejectedError && err.kind === kind && message.test(err.message);

describe('planRolloutCreate', () => {
  const members = [rec('web@.service', V1), rec('web@1.service', V1), rec('web@2.service', V1), rec('other.service', V1)];

  test('template: pending record from the template hash to the new one, defaults and [X-Fleet] settings', () => {
    const unit = buildUnit('web@.service', [...V2, ...opts(['X-Fleet', 'RolloutMaxParallel', '3'], ['X-Fleet', 'RolloutAutoRevert', 'yes'])]);
    const r = planRolloutCreate({ group: 'web@.service', unit, settings: { maxParallel: 2 } }, { members, current: undefined, now: 5 });
    assert.equal(r.kind, 'template');
    assert.equal(r.fromHash, members[0]!.hash);
    assert.equal(r.toHash, unit.hash);
    assert.deepEqual(r.settings, { ...DEFAULT_ROLLOUT_SETTINGS, maxParallel: 2, autoRevert: true }, 'the flag wins over [X-Fleet], which wins over the default');
    assert.equal(r.phase, 'pending');
    assert.equal(r.createdAt, 5);
  });

  test('global and ordinary units', () => {
    const g = rec('g.service', [...V1, ...opts(['X-Fleet', 'Global', 'true'])]);
    const r = planRolloutCreate({ group: 'g.service', unit: buildUnit('g.service', [...V2, ...opts(['X-Fleet', 'Global', 'true'])]) }, { members: [g], current: undefined, now: 0 });
    assert.equal(r.kind, 'global');
    assert.throws(() => planRolloutCreate({ group: 'g.service', unit: buildUnit('g.service', V2) }, { members: [g], current: undefined, now: 0 }), rejected('invalid', /cannot change Global=/));
    const u = planRolloutCreate({ group: 'other.service', unit: buildUnit('other.service', V2) }, { members, current: undefined, now: 0 });
    assert.equal(u.kind, 'unit');
  });

  test('refusals name the problem', () => {
    assert.throws(() => planRolloutCreate({ group: 'x.service', unit: buildUnit('x.service', V2) }, { members, current: undefined, now: 0 }), rejected('absent', /unit x.service does not exist/));
    assert.throws(() => planRolloutCreate({ group: 'web@.service', unit: buildUnit('web@.service', V1) }, { members, current: undefined, now: 0 }), rejected('conflict', /nothing to roll out/));
    const running = { ...planRolloutCreate({ group: 'web@.service', unit: buildUnit('web@.service', V2) }, { members, current: undefined, now: 0 }), phase: 'running' as const };
    assert.throws(() => planRolloutCreate({ group: 'web@.service', unit: buildUnit('web@.service', V2) }, { members, current: running, now: 0 }), rejected('conflict', /not finished \(phase running\)/));
    assert.doesNotThrow(() => planRolloutCreate({ group: 'web@.service', unit: buildUnit('web@.service', V2) }, { members, current: { ...running, phase: 'done' }, now: 0 }), 'a finished one is replaced');
    assert.throws(
      () => planRolloutCreate({ group: 'web@.service', unit: buildUnit('web@.service', V2), settings: { minHealthyTimeMs: 600_000 } }, { members, current: undefined, now: 0 }),
      rejected('invalid', /healthy deadline \(5m0s\) must be longer than min healthy time \(10m0s\)/),
    );
  });

  test('the record survives its codec', () => {
    const r: RolloutRecord = {
      ...planRolloutCreate({ group: 'web@.service', unit: buildUnit('web@.service', V2) }, { members, current: undefined, now: 1 }),
      phase: 'running',
      members: [{ unit: 'web@1.service', fromHash: 'a' }],
      targets: [{ unit: 'web@1.service', machine: 'm1', fromHash: 'a', status: 'updating', batch: 0, runningSince: 4, stateStamp: 3, restarts: 1 }],
      batches: [{ index: 0, kind: 'update', targets: ['web@1.service'], startedAt: 2, state: 'running' }],
      message: 'x',
    };
    assert.deepEqual(decodeRollout('k', encodeRollout(r)), r);
    assert.throws(() => decodeRollout('k', encodeRollout(r).replace('"updating"', '"sideways"')), /targets\[0\]\.status is not one of/);
  });
});

describe('applyRolloutControl', () => {
  const base = planRolloutCreate({ group: 'a.service', unit: buildUnit('a.service', V2) }, { members: [rec('a.service', V1)], current: undefined, now: 0 });
  test('pause/resume are idempotent; undo sets the request and clears a pause', () => {
    const p = applyRolloutControl(base, 'pause', 1);
    assert.equal(p.paused, true);
    assert.equal(applyRolloutControl(p, 'pause', 2), p);
    assert.equal(applyRolloutControl(base, 'resume', 2), base);
    const u = applyRolloutControl(p, 'undo', 3);
    assert.deepEqual([u.undoRequested, u.paused], [true, false]);
  });
  test('what the phase does not allow is a conflict', () => {
    assert.throws(() => applyRolloutControl({ ...base, phase: 'done' }, 'pause', 1), rejected('conflict', /is done; nothing to pause/));
    assert.throws(() => applyRolloutControl({ ...base, phase: 'reverted' }, 'undo', 1), rejected('conflict', /already reverted/));
    assert.equal(applyRolloutControl({ ...base, phase: 'done' }, 'undo', 1).undoRequested, true, 'a done rollout can be undone');
  });
});

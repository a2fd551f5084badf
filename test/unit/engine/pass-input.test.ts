/**
 * When an engine pass may reuse the previous pass's plan (`pass-input.ts`):
 * never after a change the plan depends on, including the ones time makes
 * (a cordon's end, a shield's end); always when nothing changed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ClusterCache } from '../../../src/engine/cluster-cache.js';
import { passInput, samePassInput } from '../../../src/engine/pass-input.js';
import { planReconcile } from '../../../src/engine/plan-reconcile.js';
import { RequirementsCache } from '../../../src/engine/requirements-cache.js';
import type { MachineRecord, RegistryEvent, ScheduleEntry, StoredRollout } from '../../../src/registry/index.js';
import { sleeper } from '../../support/units.js';

const machine = (id: string): MachineRecord => ({ id, publicIP: '127.0.0.1', metadata: {}, version: 'test', capabilities: {} });
const A = sleeper('a.service');
const NONE: ReadonlySet<string> = new Set();
/** A stored rollout; the cache files it by group and reads nothing else of it here. */
const rollout = (group: string, modRevision: bigint) => ({ record: { group }, modRevision }) as unknown as StoredRollout;

/** A settled cache: a.service launched on m1, machines m1 and m2. */
function settled(): ClusterCache {
  const c = new ClusterCache();
  c.load({
    revision: 5n,
    units: [A],
    desired: new Map([['a.service', 'launched']]),
    machines: [machine('m1'), machine('m2')],
    machineMetadata: new Map(),
    schedule: [{ machineId: 'm1', name: 'a.service', hash: A.hash, targetState: 'launched' }],
    policy: undefined,
    bodies: new Map(),
  });
  return c;
}

const at = (c: ClusterCache, nowMs: number, shielded = NONE) => passInput(c, nowMs, shielded);

test('nothing changed: the same input, however much time passed (an idle leader does not re-plan)', () => {
  const c = settled();
  const first = at(c, 1000);
  assert.equal(samePassInput(first, at(c, 3000)), true);
  assert.equal(samePassInput(first, at(c, 1_000_000)), true);
  assert.equal(samePassInput(undefined, first), false, 'the first pass plans');
});

test('changes that do not reach the plan keep the input: unit states, bodies, leader, echoes of the engine\'s own writes', () => {
  const c = settled();
  const first = at(c, 0);
  const own: ScheduleEntry = { machineId: 'm2', name: 'a.service', hash: A.hash, targetState: 'launched' };
  c.applyOps([{ type: 'put', entry: own }]);
  const afterWrite = at(c, 0);
  assert.equal(samePassInput(first, afterWrite), false, 'the engine\'s own write is a change (the next pass checks it converged)');
  const quiet: RegistryEvent[] = [
    { revision: 6n, kind: 'state', name: 'a.service', machineId: 'm1', state: undefined },
    { revision: 7n, kind: 'body', hash: 'h', text: 'x' },
    { revision: 8n, kind: 'leader', machineId: undefined },
    { revision: 9n, kind: 'schedule', machineId: 'm2', name: 'a.service', entry: own },
  ];
  for (const ev of quiet) {
    assert.equal(c.apply([ev]), false, ev.kind);
    assert.equal(samePassInput(afterWrite, at(c, 0)), true, ev.kind);
  }
});

test('every change a plan depends on gives a new input', () => {
  const changes: Record<string, RegistryEvent> = {
    unit: { revision: 6n, kind: 'unit', name: 'b.service', unit: sleeper('b.service') },
    desired: { revision: 6n, kind: 'desired', name: 'a.service', desired: 'loaded' },
    'machine leaves (its TTL expired)': { revision: 6n, kind: 'machine', machineId: 'm2', machine: undefined },
    'machine metadata': { revision: 6n, kind: 'machineMetadata', machineId: 'm1', key: 'disk', value: 'ssd' },
    'schedule written by someone else': { revision: 6n, kind: 'schedule', machineId: 'm2', name: 'a.service', entry: { machineId: 'm2', name: 'a.service', hash: A.hash, targetState: 'launched' } },
    policy: { revision: 6n, kind: 'policy', document: '{}' },
    rollout: { revision: 6n, kind: 'rollout', group: 'g', rollout: undefined },
  };
  for (const [what, ev] of Object.entries(changes)) {
    const c = settled();
    if (ev.kind === 'rollout') c.applyRolloutWrite(rollout('g', 5n), []);
    const before = at(c, 0);
    c.apply([ev]);
    assert.equal(samePassInput(before, at(c, 0)), false, what);
  }
  const c = settled();
  const before = at(c, 0);
  c.applyRolloutWrite(rollout('g', 9n), [sleeper('a.service', 'Conflicts=x.service')]);
  assert.equal(samePassInput(before, at(c, 0)), false, 'the engine\'s own rollout write');
  const reloaded = settled();
  const old = at(reloaded, 0);
  reloaded.load({ revision: 9n, units: [], desired: new Map(), machines: [], machineMetadata: new Map(), schedule: [], policy: undefined, bodies: new Map() });
  assert.equal(samePassInput(old, at(reloaded, 0)), false, 'a reload');
  assert.equal(samePassInput(at(settled(), 0), at(settled(), 0)), false, 'another leadership\'s cache');
});

test('time-based changes: a cordon in force, then its end; a unit shielded, then no longer', () => {
  const c = settled();
  c.cordons.set('m2', { reason: 'previous leader', untilMs: 5000 });
  const cordoned = at(c, 1000);
  assert.equal(samePassInput(cordoned, at(c, 4999)), true, 'still in force');
  assert.equal(samePassInput(cordoned, at(c, 5000)), false, 'its time is up: the pass must place on m2 again');
  c.cordons.set('m1', { reason: 'another', untilMs: 9000 });
  assert.equal(samePassInput(cordoned, at(c, 1000)), false, 'a new cordon');

  const d = settled();
  const shielded = at(d, 0, new Set(['a.service']));
  assert.equal(samePassInput(shielded, at(d, 0, new Set(['a.service']))), true);
  assert.equal(samePassInput(shielded, at(d, 0, NONE)), false, 'the flap window passed');
  assert.equal(samePassInput(shielded, at(d, 0, new Set(['b.service']))), false, 'another unit shielded');
});

test('a reused input plans the same as planning again (planReconcile is a function of the input)', () => {
  const c = settled();
  c.cordons.set('m2', { reason: 'previous leader', untilMs: 5000 });
  c.apply([{ revision: 6n, kind: 'unit', name: 'b.service', unit: sleeper('b.service') }, { revision: 7n, kind: 'desired', name: 'b.service', desired: 'launched' }]);
  const first = at(c, 1000);
  const later = at(c, 4000);
  assert.equal(samePassInput(first, later), true);
  const ops = (nowMs: number) => planReconcile(c, new RequirementsCache(), nowMs).ops.map((op) => (op.type === 'put' ? `+${op.entry.name}@${op.entry.machineId}` : `-${op.name}@${op.machineId}`));
  assert.deepEqual(ops(4000), ops(1000));
  assert.deepEqual(ops(1000), ['+b.service@m1'], 'm2 is cordoned');
  assert.deepEqual(ops(5000), ['+b.service@m2'], 'and once the cordon ends the plan differs, as its input does');
});

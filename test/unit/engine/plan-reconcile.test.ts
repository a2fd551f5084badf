/**
 * Table test of the engine's reconcile planning (cache in, writes out): the
 * scheduler's decisions plus hash and target-state refreshes of kept
 * entries, broken units left alone, cordons as planning input.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ClusterCache } from '../../../src/engine/cluster-cache.js';
import { planReconcile } from '../../../src/engine/plan-reconcile.js';
import { RequirementsCache } from '../../../src/engine/requirements-cache.js';
import { buildSnapshot } from '../../../src/engine/snapshot.js';
import type { Cordon } from '../../../src/engine/cordon.js';
import type { DesiredState } from '../../../src/domain/index.js';
import type { MachineRecord, ScheduleEntry, ScheduleOp, UnitRecord } from '../../../src/registry/index.js';
import { formatExplanation } from '../../../src/scheduler/index.js';
import { sleeper } from '../../support/units.js';

const machine = (id: string): MachineRecord => ({ id, publicIP: '127.0.0.1', metadata: {}, version: 'test', capabilities: {} });
const A = sleeper('a.service');
const A2 = sleeper('a.service', 'Conflicts=nothing.service');
const B = sleeper('b.service');
const PIN1 = sleeper('pin.service', 'MachineID=m1');
// Unusable options never pass the API, but a record written by an older fleetd or by hand can carry them.
const BROKEN: UnitRecord = { ...sleeper('bad.service'), options: [...sleeper('bad.service').options, { section: 'X-Fleet', name: 'MachineMetadata', value: 'nonsense' }] };
const on = (unit: UnitRecord, machineId: string, targetState: DesiredState = 'launched', hash = unit.hash): ScheduleEntry => ({ machineId, name: unit.name, hash, targetState });

interface Case {
  readonly name: string;
  readonly units: ReadonlyArray<readonly [UnitRecord, DesiredState]>;
  readonly machines?: readonly string[];
  readonly schedule?: readonly ScheduleEntry[];
  readonly cordons?: Record<string, Cordon>;
  readonly nowMs?: number;
  /** `-unit@machine` deletes, `+unit@machine:target` puts, in op order. */
  readonly ops: readonly string[];
  readonly broken?: readonly string[];
  /** unit -> formatExplanation line. */
  readonly unplaced?: Record<string, string>;
}

const CORDON: Cordon = { reason: 'it was the engine leader', untilMs: 1000 };

const cases: Case[] = [
  { name: 'settled: nothing to write', units: [[A, 'launched']], schedule: [on(A, 'm1')], ops: [] },
  { name: 'new launched unit: one put with its hash and target', units: [[A, 'launched']], ops: ['+a.service@m1:launched'] },
  { name: 'target refresh: launched -> loaded rewrites the kept entry', units: [[A, 'loaded']], schedule: [on(A, 'm2')], ops: ['+a.service@m2:loaded'] },
  { name: 'hash refresh: replaced content rewrites the kept entry', units: [[A2, 'launched']], schedule: [on(A, 'm2')], ops: ['+a.service@m2:launched'] },
  { name: 'inactive unit: entry deleted', units: [[A, 'inactive']], schedule: [on(A, 'm1')], ops: ['-a.service@m1'] },
  { name: 'destroyed unit: entry deleted', units: [], schedule: [on(A, 'm1')], ops: ['-a.service@m1'] },
  { name: 'machine gone: entry deleted, unit placed elsewhere', units: [[A, 'launched']], schedule: [on(A, 'm9')], ops: ['-a.service@m9', '+a.service@m1:launched'] },
  {
    name: 'broken unit: its entry stays where it is (even on a machine that left) but follows hash and target state',
    units: [[BROKEN, 'loaded']],
    schedule: [on(BROKEN, 'm9', 'launched', 'old')],
    ops: ['+bad.service@m9:loaded'],
    broken: ['bad.service'],
  },
  {
    name: 'broken unit set inactive: its entry is deleted (stop/unload work on a unit the scheduler cannot judge)',
    units: [[BROKEN, 'inactive']],
    schedule: [on(BROKEN, 'm1')],
    ops: ['-bad.service@m1'],
    broken: ['bad.service'],
  },
  { name: 'broken unit without an entry: not placed', units: [[BROKEN, 'launched'], [A, 'launched']], ops: ['+a.service@m1:launched'], broken: ['bad.service'] },
  {
    name: 'cordon: a new unit avoids the cordoned least-loaded machine',
    units: [[A, 'launched'], [B, 'launched']],
    schedule: [on(B, 'm2')],
    cordons: { m1: CORDON },
    nowMs: 999,
    ops: ['+a.service@m2:launched'],
  },
  { name: 'cordon: units already there stay', units: [[A, 'launched']], schedule: [on(A, 'm1')], cordons: { m1: CORDON }, nowMs: 0, ops: [] },
  {
    name: 'cordon: a unit pinned to the cordoned machine waits, and says why',
    units: [[PIN1, 'launched']],
    cordons: { m1: CORDON },
    ops: [],
    unplaced: { 'pin.service': '0 of 2 machines eligible: 1 by Cordon (cordoned), 1 by MachineID (m1)' },
  },
  { name: 'cordon: over once its time is up', units: [[PIN1, 'launched']], cordons: { m1: CORDON }, nowMs: 1000, ops: ['+pin.service@m1:launched'] },
];

function describeOp(op: ScheduleOp): string {
  return op.type === 'delete' ? `-${op.name}@${op.machineId}` : `+${op.entry.name}@${op.entry.machineId}:${op.entry.targetState}`;
}

for (const c of cases) {
  test(`planReconcile: ${c.name}`, () => {
    const cache = new ClusterCache();
    cache.load({
      revision: 1n,
      units: c.units.map(([u]) => u),
      desired: new Map(c.units.map(([u, d]) => [u.name, d])),
      machines: (c.machines ?? ['m1', 'm2']).map(machine),
      machineMetadata: new Map(),
      schedule: [...(c.schedule ?? [])],
      bodies: new Map(),
    });
    for (const [id, cordon] of Object.entries(c.cordons ?? {})) cache.cordons.set(id, cordon);
    const r = planReconcile(cache, new RequirementsCache(), c.nowMs ?? 0);
    assert.deepEqual(r.ops.map(describeOp), c.ops);
    for (const op of r.ops) {
      if (op.type !== 'put') continue;
      const unit = c.units.find(([u]) => u.name === op.entry.name)![0];
      assert.equal(op.entry.hash, unit.hash, 'every put carries the current content hash');
    }
    assert.deepEqual(r.broken.map((b) => b.unit), c.broken ?? []);
    assert.deepEqual(Object.fromEntries(r.plan.unplaced.map((e) => [e.unit, formatExplanation(e)])), c.unplaced ?? {});
  });
}

test('snapshot: a machine\'s allocatable capacity (capacity minus reserved) reaches the scheduler', () => {
  const { snapshot } = buildSnapshot({
    units: [],
    desired: new Map(),
    machines: [{ ...machine('m1'), resources: { capacity: { cpu: 4, memory: 8192 }, reserved: { cpu: 1 }, allocated: {} } }, machine('m2')],
    schedule: [],
  });
  assert.deepEqual(snapshot.machines.map((m) => [m.id, m.capacity]), [['m1', { cpu: 3, memory: 8192 }], ['m2', undefined]]);
});

test('cache: a cordon ends when its machine leaves, also across a re-list', () => {
  const cache = new ClusterCache();
  cache.cordons.set('m1', CORDON);
  cache.cordons.set('m2', CORDON);
  cache.apply([{ revision: 2n, kind: 'machine', machineId: 'm1', machine: undefined }]);
  assert.deepEqual([...cache.cordons.keys()], ['m2']);
  cache.load({ revision: 3n, units: [], desired: new Map(), machines: [machine('m3')], machineMetadata: new Map(), schedule: [], bodies: new Map() });
  assert.deepEqual([...cache.cordons.keys()], []);
});

test('preemption: one pass deletes the victim and puts the newcomer with preempts naming it; shielded units are spared', () => {
  const LOW = sleeper('low.service', 'Resources=cpu=3');
  const VIP = sleeper('vip.service', 'Resources=cpu=2\nPriority=100');
  const cache = new ClusterCache();
  cache.load({
    revision: 1n,
    units: [LOW, VIP],
    desired: new Map([[LOW.name, 'launched'], [VIP.name, 'launched']]),
    machines: [{ ...machine('m1'), resources: { capacity: { cpu: 4 }, reserved: {}, allocated: {} } }],
    machineMetadata: new Map(),
    schedule: [on(LOW, 'm1')],
    bodies: new Map(),
  });
  const r = planReconcile(cache, new RequirementsCache(), 0);
  assert.deepEqual(r.ops.map(describeOp), ['-low.service@m1', '+vip.service@m1:launched']);
  const put = r.ops[1]!;
  assert.ok(put.type === 'put');
  assert.deepEqual(put.entry.preempts, ['low.service']);
  assert.deepEqual(r.plan.preemptions, [{ unit: 'vip.service', priority: 100, machine: 'm1', victims: [{ unit: 'low.service', priority: 0 }] }]);
  const spared = planReconcile(cache, new RequirementsCache(), 0, undefined, new Set(['low.service']));
  assert.deepEqual(spared.ops, []);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ClusterCache } from '../../../src/engine/cluster-cache.js';
import type { RegistryEvent, ScheduleEntry } from '../../../src/registry/index.js';

const entry = (name: string, machineId = 'm1', targetState: ScheduleEntry['targetState'] = 'launched', hash = 'h1'): ScheduleEntry => ({ machineId, name, hash, targetState });
const put = (e: ScheduleEntry, revision = 10n): RegistryEvent => ({ revision, kind: 'schedule', machineId: e.machineId, name: e.name, entry: e });
const del = (machineId: string, name: string, revision = 11n): RegistryEvent => ({ revision, kind: 'schedule', machineId, name, entry: undefined });

test('echoes of the engine\'s own schedule writes are not relevant changes', () => {
  const c = new ClusterCache();
  c.applyOps([{ type: 'put', entry: entry('a.service') }]);
  assert.equal(c.apply([put(entry('a.service'))]), false, 'same entry echoed back');
  c.applyOps([{ type: 'delete', machineId: 'm1', name: 'a.service' }]);
  assert.equal(c.apply([del('m1', 'a.service')]), false, 'delete echoed back');
  assert.equal(c.revision, 11n, 'revision still advances');
});

test('schedule changes made by anyone else are relevant', () => {
  const c = new ClusterCache();
  assert.equal(c.apply([put(entry('a.service'))]), true, 'new entry');
  assert.equal(c.apply([put(entry('a.service', 'm1', 'loaded'))]), true, 'target state changed');
  assert.equal(c.apply([put(entry('a.service', 'm1', 'loaded', 'h2'))]), true, 'hash changed');
  assert.equal(c.apply([del('m1', 'a.service')]), true, 'entry removed');
  assert.deepEqual([...c.entries()], []);
});

test('unit, desired and machine events are always relevant; states are not', () => {
  const c = new ClusterCache();
  assert.equal(c.apply([{ revision: 1n, kind: 'desired', name: 'a.service', desired: 'launched' }]), true);
  assert.equal(c.apply([{ revision: 2n, kind: 'state', name: 'a.service', machineId: 'm1', state: undefined }]), false);
  assert.equal(c.apply([{ revision: 3n, kind: 'machine', machineId: 'm1', machine: undefined }]), true);
});

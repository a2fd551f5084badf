import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StatePublisher } from '../../../src/agent/state-publisher.js';
import { silentLogger } from '../../../src/fleetd/logger.js';
import { createMemoryRegistry, type AgentRegistry, type UnitStateRecord } from '../../../src/registry/index.js';
import type { ActiveState } from '../../../src/domain/index.js';

const state = (name: string, activeState: ActiveState): UnitStateRecord => ({
  name,
  machineId: 'm1',
  loadState: 'loaded',
  activeState,
  subState: activeState === 'active' ? 'running' : 'dead',
  hash: 'h',
  timestamp: 1,
});

test('a unit removed while its last state is being written leaves no report behind', async () => {
  const reg = createMemoryRegistry();
  try {
    const presence = await reg.agent.announce({ id: 'm1', publicIP: '127.0.0.1', metadata: {}, version: 'test', capabilities: {} }, { ttlSeconds: 30 });
    let release: (() => void) | undefined;
    let writing: (() => void) | undefined;
    const inWrite = new Promise<void>((r) => (writing = r));
    // publishStates blocks until released, so remove() lands while the put is in flight
    const registry: AgentRegistry = Object.assign(Object.create(reg.agent) as AgentRegistry, {
      publishStates: async (p: typeof presence, states: readonly UnitStateRecord[]) => {
        writing?.();
        await new Promise<void>((r) => (release = r));
        await reg.agent.publishStates(p, states);
      },
    });
    const pub = new StatePublisher({ registry, presence, logger: silentLogger(), batchMs: 1 });
    pub.update(state('a.service', 'inactive'));
    await inWrite;
    pub.remove('a.service');
    release?.();
    await pub.flush();
    await pub.flush();
    assert.deepEqual(await reg.api.listStates(), []);
    assert.equal(pub.snapshot().size, 0);
    pub.close();
    await presence.stop({ graceful: true });
  } finally {
    await reg.close();
  }
});

test('a re-registration while a removal is in flight does not bring the removed report back', async () => {
  // Seen in the chaos run: a fleetd frozen past agent_ttl woke up, unloaded
  // the units moved away meanwhile and re-registered at the same moment; the
  // republish copied the not-yet-deleted reports back, and etcd kept saying
  // "active" for units systemd had stopped, until that fleetd restarted.
  const reg = createMemoryRegistry();
  try {
    const presence = await reg.agent.announce({ id: 'm1', publicIP: '127.0.0.1', metadata: {}, version: 'test', capabilities: {} }, { ttlSeconds: 30 });
    let reregistered: (() => void) | undefined;
    const watched = Object.assign(Object.create(presence) as typeof presence, {
      on: (event: string, cb: () => void) => {
        if (event === 'reregistered') reregistered = cb;
        return () => undefined;
      },
    });
    let release: (() => void) | undefined;
    let deleting: (() => void) | undefined;
    const inDelete = new Promise<void>((r) => (deleting = r));
    let block = false;
    const registry: AgentRegistry = Object.assign(Object.create(reg.agent) as AgentRegistry, {
      deleteStates: async (machineId: string, names: readonly string[]) => {
        if (block) {
          deleting?.();
          await new Promise<void>((r) => (release = r));
        }
        await reg.agent.deleteStates(machineId, names);
      },
    });
    const pub = new StatePublisher({ registry, presence: watched, logger: silentLogger(), batchMs: 1 });
    pub.update(state('a.service', 'active'));
    pub.update(state('b.service', 'active'));
    await pub.flush();
    assert.equal((await reg.api.listStates()).length, 2);
    block = true;
    pub.remove('a.service');
    // Drive the writes with flush() rather than the publisher's timers: they
    // do not keep the process alive, so a test waiting on them alone can end.
    const removing = pub.flush();
    await inDelete;
    reregistered?.();
    release?.();
    await removing;
    await pub.flush();
    assert.deepEqual((await reg.api.listStates()).map((s) => s.name), ['b.service']);
    assert.deepEqual([...pub.snapshot().keys()], ['b.service']);
    pub.close();
    await presence.stop({ graceful: true });
  } finally {
    await reg.close();
  }
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createMemoryRegistry, type MachineRecord, type ScheduleEntry } from '../../../src/registry/index.js';
import { Engine } from '../../../src/engine/engine.js';
import { BodyCollector, unreferencedBodies } from '../../../src/engine/body-collector.js';
import { ClusterCache } from '../../../src/engine/cluster-cache.js';
import { ManualClock } from '../../../src/clock.js';
import { silentLogger } from '../../../src/fleetd/logger.js';
import { sleeper } from '../../support/units.js';
import { waitFor } from '../../support/wait.js';

const entry = (machineId: string, name: string, hash: string): ScheduleEntry => ({ machineId, name, hash, targetState: 'launched' });
const view = (bodies: string[], units: Record<string, string>, entries: ScheduleEntry[] = []) => ({
  bodies: new Map(bodies.map((h, i) => [h, BigInt(i + 1)])),
  units: new Map(Object.entries(units).map(([name, hash]) => [name, { hash }])),
  entries: () => entries,
});

test('unreferencedBodies: named cases', () => {
  const cases: Array<[string, ReturnType<typeof view>, string[]]> = [
    ['no bodies', view([], { 'a.service': 'h1' }), []],
    ['every body in use', view(['h1', 'h2'], { 'a.service': 'h1', 'b.service': 'h2' }), []],
    ['a destroyed unit, unscheduled', view(['h1', 'h2'], { 'a.service': 'h1' }), ['h2']],
    ['a replaced unit still running its old text on one machine', view(['h1', 'h2'], { 'a.service': 'h2' }, [entry('m1', 'a.service', 'h1'), entry('m2', 'a.service', 'h2')]), []],
    ['a replaced unit everywhere on its new text', view(['h1', 'h2'], { 'a.service': 'h2' }, [entry('m1', 'a.service', 'h2')]), ['h1']],
    ['a destroyed unit still scheduled somewhere', view(['h1'], {}, [entry('m1', 'a.service', 'h1')]), []],
    ['instances share one body', view(['h1', 'h3', 'h2'], { 'web@1.service': 'h1', 'web@2.service': 'h1' }), ['h2', 'h3']],
  ];
  for (const [name, v, want] of cases) assert.deepEqual(unreferencedBodies(v).map((b) => b.hash), want, name);
  assert.deepEqual(unreferencedBodies(view(['h1', 'h2'], {})), [{ hash: 'h1', revision: 1n }, { hash: 'h2', revision: 2n }], 'with the revision each was seen at');
});

test('a poke looks for unreferenced bodies again only when the cache changed (an idle leader pokes after every pass)', () => {
  class CountingCache extends ClusterCache {
    scans = 0;
    override *entries() {
      this.scans++;
      yield* super.entries();
    }
  }
  const a = sleeper('a.service');
  const cache = new CountingCache();
  cache.load({ revision: 5n, units: [a], desired: new Map(), machines: [], machineMetadata: new Map(), schedule: [], bodies: new Map([[a.hash, 5n]]) });
  const clock = new ManualClock();
  const collector = new BodyCollector(cache, { registry: { deleteBodies: async () => ({ deleted: 0, complete: true }) }, fence: () => undefined, clock, observe: { bodiesCollected() {}, trouble() {} } });
  collector.poke();
  assert.equal(cache.scans, 1);
  collector.poke();
  collector.poke();
  assert.equal(cache.scans, 1, 'nothing changed: not looked at again');
  assert.equal(clock.pendingTimers(), 0, 'every body in use');
  cache.apply([{ revision: 6n, kind: 'state', name: 'a.service', machineId: 'm1', state: undefined }]);
  collector.poke();
  assert.equal(cache.scans, 1, 'a unit state is no reference');
  cache.apply([{ revision: 7n, kind: 'body', hash: 'h2', text: 'x' }]);
  collector.poke();
  assert.equal(cache.scans, 2, 'a new body');
  assert.equal(clock.pendingTimers(), 1, 'unreferenced: a collection is armed');
  const b = sleeper('b.service');
  const fresh = new CountingCache();
  fresh.load({ revision: 5n, units: [a], desired: new Map(), machines: [], machineMetadata: new Map(), schedule: [], bodies: new Map([[a.hash, 5n], [b.hash, 5n]]) });
  fresh.apply([{ revision: 6n, kind: 'unit', name: 'b.service', unit: b }]);
  const other = new BodyCollector(fresh, { registry: { deleteBodies: async () => ({ deleted: 0, complete: true }) }, fence: () => undefined, clock: new ManualClock(), observe: { bodiesCollected() {}, trouble() {} } });
  other.poke();
  fresh.apply([{ revision: 7n, kind: 'unit', name: 'b.service', unit: undefined }]);
  other.poke();
  assert.equal(fresh.scans, 2, 'a destroyed unit: its body may be unreferenced now');
});

const machine: MachineRecord = { id: 'm1', publicIP: '127.0.0.1', metadata: {}, version: 'test', capabilities: {} };

test('the leader upgrades old unit records and collects bodies once nothing refers to them', async () => {
  const reg = createMemoryRegistry();
  const old = sleeper('old.service');
  // Written by a fleetd before bodies: format 1, the text only inline.
  await reg.kv.txn([], [
    { type: 'put', key: reg.layout.unit('old.service'), value: JSON.stringify({ name: old.name, options: old.options, text: old.text, hash: old.hash }) },
    { type: 'put', key: reg.layout.desired('old.service'), value: 'launched' },
  ]);
  const presence = await reg.agent.announce(machine, { ttlSeconds: 5 });
  const engine = new Engine({ registry: reg.engine, election: reg.election({ machineId: 'm1', ttlSeconds: 5 }), logger: silentLogger(), reconcileIntervalMs: 200, bodyCollectDelayMs: 20 });
  const bodies = async () => (await reg.kv.list(reg.layout.bodiesAll())).kvs.map((kv) => kv.key.slice(reg.layout.bodiesAll().length)).sort();
  const entryHash = async (name: string) => (await reg.api.listSchedule()).find((e) => e.name === name)?.hash;
  try {
    await engine.start();
    await waitFor('old record upgraded', async () => JSON.parse((await reg.kv.get(reg.layout.unit('old.service'))).kv!.value).version === 2);
    assert.deepEqual(await bodies(), [old.hash]);
    assert.equal((await reg.kv.get(reg.layout.body(old.hash))).kv?.value, old.text);
    await waitFor('old unit scheduled', async () => (await entryHash('old.service')) === old.hash);

    const next = sleeper('old.service', 'Conflicts=none.service');
    await reg.api.replaceUnit(next);
    await waitFor('entry refreshed to the new text', async () => (await entryHash('old.service')) === next.hash);
    await waitFor('old body collected', async () => (await bodies()).join() === next.hash);

    const other = sleeper('other.service', 'MachineMetadata=role=none');
    await reg.api.createUnit(other, 'launched');
    await reg.api.destroyUnit('old.service');
    await waitFor('destroyed unit unscheduled and its body collected', async () => (await bodies()).join() === other.hash);
    assert.equal(engine.stats.failedPasses, 0);
  } finally {
    await engine.stop();
    await presence.stop();
    await reg.close();
  }
});

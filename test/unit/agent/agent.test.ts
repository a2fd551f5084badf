import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryCluster } from '../../support/memory-cluster.js';
import { sleeper, unitRecord } from '../../support/units.js';
import { waitFor } from '../../support/wait.js';
import { ManualClock } from '../../../src/clock.js';

const running = async (c: MemoryCluster, name: string): Promise<string[]> => {
  const out: string[] = [];
  for (const h of c.hosts.values()) {
    const [s] = await h.driver.listStates([name]);
    if (s?.activeState === 'active') out.push(h.id);
  }
  return out;
};

test('engine + agents over fake systemd: start, spread, states, stop, destroy', async () => {
  const c = new MemoryCluster();
  try {
    await c.start();
    for (const id of ['a', 'b', 'c']) await c.addHost(id);
    for (const n of [1, 2, 3]) await c.registry.api.createUnit(sleeper(`s${n}.service`), 'launched');
    await waitFor('3 units running', async () => {
      const where = (await Promise.all([1, 2, 3].map((n) => running(c, `s${n}.service`)))).flat();
      return where.length === 3 ? where : undefined;
    }).then((where) => assert.deepEqual([...where].sort(), ['a', 'b', 'c'], 'spread 1/1/1'));

    const states = await waitFor('states reported', async () => {
      const s = await c.registry.api.listStates();
      return s.length === 3 && s.every((x) => x.activeState === 'active' && x.subState === 'running') ? s : undefined;
    });
    assert.ok(states.every((s) => s.hash === sleeper('s1.service').hash));

    await c.registry.api.setDesiredState('s1.service', 'loaded');
    await waitFor('s1 stopped', async () => (await running(c, 's1.service')).length === 0);
    await waitFor('s1 state inactive', async () => (await c.registry.api.listStates({ names: ['s1.service'] }))[0]?.activeState === 'inactive');

    await c.registry.api.destroyUnit('s2.service');
    await waitFor('s2 unloaded and its state gone', async () => {
      for (const h of c.hosts.values()) if ((await h.driver.managedUnits()).includes('s2.service')) return false;
      return (await c.registry.api.listStates({ names: ['s2.service'] })).length === 0;
    });
  } finally {
    await c.stop();
  }
});

test('a restarted agent adopts running units without restarting them', async () => {
  const c = new MemoryCluster();
  try {
    await c.start();
    const h = await c.addHost('a');
    await c.registry.api.createUnit(sleeper('keep.service'), 'launched');
    const before = await waitFor('running with a pid', async () => (await h.driver.listStates(['keep.service']))[0]?.mainPid);
    await h.restartAgent();
    // A unit submitted after the restart runs only once the new agent has reconciled its whole schedule.
    await c.registry.api.createUnit(sleeper('marker.service'), 'launched');
    await waitFor('the restarted agent reconciled', async () => (await h.driver.listStates(['marker.service']))[0]?.subState === 'running');
    const [after] = await h.driver.listStates(['keep.service']);
    assert.equal(after?.activeState, 'active');
    assert.equal(after?.mainPid, before, 'same main pid after the agent restart');
  } finally {
    await c.stop();
  }
});

test('a failing unit is reported failed and the others still run', async () => {
  const c = new MemoryCluster();
  try {
    await c.start();
    await c.addHost('a');
    await c.registry.api.createUnit(unitRecord('bad.service', '[Service]\nExecStart=/bin/false\n'), 'launched');
    await c.registry.api.createUnit(sleeper('good.service'), 'launched');
    await waitFor('bad reported failed', async () => (await c.registry.api.listStates({ names: ['bad.service'] }))[0]?.activeState === 'failed');
    await waitFor('good running', async () => (await c.registry.api.listStates({ names: ['good.service'] }))[0]?.subState === 'running');
  } finally {
    await c.stop();
  }
});

test('SIGTERM-style leave: units stop here and run elsewhere', async () => {
  const c = new MemoryCluster();
  try {
    await c.start();
    const a = await c.addHost('a');
    await c.registry.api.createUnit(sleeper('mover.service'), 'launched');
    await waitFor('running on a', async () => (await running(c, 'mover.service')).join() === 'a');
    await c.addHost('b');
    await a.agent.stop({ graceful: true });
    c.hosts.delete('a');
    assert.deepEqual(await a.driver.managedUnits(), [], 'unloaded from the leaving host');
    await waitFor('running on b', async () => (await running(c, 'mover.service')).join() === 'b');
    await a.driver.close();
  } finally {
    await c.stop();
  }
});

test('the agent publishes what its scheduled units request in its machine record', async () => {
  const c = new MemoryCluster();
  try {
    await c.start();
    await c.addHost('a', {}, { capacity: { cpu: 4, memory: 4 * 1024 ** 3 }, reserved: {}, allocated: {} });
    const allocated = async () => (await c.registry.api.listMachines()).find((m) => m.id === 'a')?.resources?.allocated;
    await c.registry.api.createUnit(unitRecord('r1.service', '[Service]\nExecStart=/bin/sleep 100\n[X-Fleet]\nResources=cpu=0.5 memory=256M\n'), 'launched');
    await c.registry.api.createUnit(unitRecord('r2.service', '[Service]\nExecStart=/bin/sleep 100\nMemoryMax=1G\n'), 'launched');
    await c.registry.api.createUnit(sleeper('plain.service'), 'launched');
    await waitFor('allocation published', async () => ((await allocated())?.['memory'] === 1280 * 1024 ** 2 ? true : undefined));
    assert.deepEqual(await allocated(), { cpu: 0.5, memory: 1280 * 1024 ** 2 });
    await c.registry.api.destroyUnit('r1.service');
    await waitFor('allocation follows the schedule', async () => ((await allocated())?.['memory'] === 1024 ** 3 ? true : undefined));
    assert.deepEqual(await allocated(), { memory: 1024 ** 3 });
  } finally {
    await c.stop();
  }
});

test('the engine follows the policy key: binpack packs units a spread cluster would spread', async () => {
  const c = new MemoryCluster();
  try {
    await c.start();
    const size = { capacity: { cpu: 4, memory: 4 * 1024 ** 3 }, reserved: {}, allocated: {} };
    for (const id of ['a', 'b']) await c.addHost(id, {}, size);
    await c.registry.api.setPolicy(JSON.stringify({ strategy: 'binpack' }));
    for (const n of [1, 2, 3]) await c.registry.api.createUnit(unitRecord(`p${n}.service`, '[Service]\nExecStart=/bin/sleep 100\n[X-Fleet]\nResources=cpu=1\n'), 'launched');
    const hosts = await waitFor('3 placed', async () => {
      const s = await c.registry.api.listSchedule();
      return s.length === 3 ? new Set(s.map((e) => e.machineId)) : undefined;
    });
    assert.deepEqual([...hosts], ['a'], 'binpack keeps b empty');
  } finally {
    await c.stop();
  }
});

test('policy enforce: agents give units that reserve cpu/memory a drop-in, and take it away again', async () => {
  const c = new MemoryCluster();
  try {
    await c.start();
    await c.addHost('a', {}, { capacity: { cpu: 4, memory: 4 * 1024 ** 3 }, reserved: {}, allocated: {} });
    const driver = c.hosts.get('a')!.driver;
    await c.registry.api.createUnit(unitRecord('r.service', '[Service]\nExecStart=/bin/sleep 100\n[X-Fleet]\nResources=cpu=0.5 memory=256M\n'), 'launched');
    await c.registry.api.createUnit(unitRecord('own.service', '[Service]\nExecStart=/bin/sleep 100\nMemoryMax=1G\nCPUQuota=10%\n'), 'launched');
    await waitFor('both run', async () => ((await running(c, 'r.service')).length + (await running(c, 'own.service')).length === 2 ? true : undefined));
    assert.equal(await driver.readDropIn('r.service'), undefined, 'enforce is off by default');

    await c.registry.api.setPolicy(JSON.stringify({ enforce: true }));
    const dropIn = await waitFor('drop-in written', () => driver.readDropIn('r.service'));
    assert.match(dropIn, /\[Service\]\nCPUQuota=50%\nMemoryMax=268435456\n/);
    assert.equal(await driver.readDropIn('own.service'), undefined, 'a unit with its own limits is left alone');
    assert.deepEqual(await running(c, 'r.service'), ['a'], 'the running unit was not restarted away');

    await c.registry.api.createUnit(unitRecord('new.service', '[Service]\nExecStart=/bin/sleep 100\n[X-Fleet]\nResources=memory=64M\n'), 'launched');
    assert.match(await waitFor('new unit loaded with its drop-in', () => driver.readDropIn('new.service')), /MemoryMax=67108864/);

    await c.registry.api.setPolicy(JSON.stringify({ enforce: false }));
    await waitFor('drop-ins removed', async () => ((await driver.readDropIn('r.service')) === undefined && (await driver.readDropIn('new.service')) === undefined ? true : undefined));
    await c.registry.api.destroyUnit('r.service');
    await waitFor('unit gone', async () => ((await driver.managedUnits()).includes('r.service') ? undefined : true));
  } finally {
    await c.stop();
  }
});

test('etcd wiped: agents hold what runs; after the units are restored the engine puts each back where it runs (same pids)', async () => {
  const c = new MemoryCluster(2000, { resetHoldMs: 60_000 });
  try {
    await c.start();
    // All on c first, then hosts a and b join: placement a fresh least-loaded pass would not choose.
    await c.addHost('c');
    const units = [1, 2, 3, 4, 5].map((n) => sleeper(`w${n}.service`));
    for (const u of units.slice(0, 4)) await c.registry.api.createUnit(u, 'launched');
    await waitFor('4 units on c', async () => (await c.registry.api.listSchedule()).length === 4);
    for (const id of ['a', 'b']) await c.addHost(id);
    await c.registry.api.createUnit(units[4]!, 'launched');
    const pids = async () => {
      const out = new Map<string, string>();
      for (const h of c.hosts.values()) for (const s of await h.driver.listStates(units.map((u) => u.name))) if (s.activeState === 'active') out.set(s.name, `${h.id}:${s.mainPid}`);
      return out;
    };
    const before = await waitFor('5 units running', async () => ((await pids()).size === 5 ? pids() : undefined));
    const where = new Map([...before].map(([name, at]) => [name, at.split(':')[0]!]));

    c.registry.kv.wipe();
    // Marker: every agent noticed the reset and published what it holds.
    await waitFor('every host publishes what it holds', async () => {
      const machines = await c.registry.api.listMachines();
      const heldCount = machines.reduce((n, m) => n + (m.held?.length ?? 0), 0);
      return machines.length === 3 && heldCount === 5;
    });
    assert.deepEqual(await pids(), before, 'nothing stopped while held');

    // Restore: least-loaded alone would spread w1..w5 over a, b, c.
    for (const u of units) await c.registry.api.createUnit(u, 'launched');
    await waitFor('every unit scheduled where it runs and holds released', async () => {
      const schedule = await c.registry.api.listSchedule();
      const machines = await c.registry.api.listMachines();
      return schedule.length === 5 && machines.every((m) => m.held === undefined);
    });
    const schedule = await c.registry.api.listSchedule();
    assert.deepEqual(new Map(schedule.map((e) => [e.name, e.machineId])), where, 'each unit scheduled on the host that ran it');
    assert.deepEqual(await pids(), before, 'same host, same pid: nothing restarted');
  } finally {
    await c.stop();
  }
});

test('etcd wiped and nothing restored: held units are stopped when the hold ends; with no hold at once', async () => {
  for (const holdMs of [2500, 0]) {
    const c = new MemoryCluster(2000, { resetHoldMs: holdMs });
    try {
      await c.start();
      const h = await c.addHost('a');
      await c.registry.api.createUnit(sleeper('left.service'), 'launched');
      await waitFor('running', async () => (await h.driver.listStates(['left.service']))[0]?.activeState === 'active');
      c.registry.kv.wipe();
      if (holdMs > 0) {
        await waitFor('held', async () => (await c.registry.api.listMachines())[0]?.held?.join() === 'left.service');
        assert.equal((await h.driver.listStates(['left.service']))[0]?.activeState, 'active', 'kept while held');
      }
      await waitFor(`stopped and unloaded (hold ${holdMs} ms)`, async () => (await h.driver.managedUnits()).length === 0);
      await waitFor('hold withdrawn from the record', async () => (await c.registry.api.listMachines())[0]?.held === undefined);
    } finally {
      await c.stop();
    }
  }
});

const managed = async (h: { driver: { managedUnits(): Promise<string[]> } }, names: readonly string[]): Promise<boolean> => {
  const have = new Set(await h.driver.managedUnits());
  return names.every((n) => have.has(n));
};

test('units scheduled while a pass\'s StartUnit calls are unanswered are loaded at once (the starts go on in the background)', async () => {
  const c = new MemoryCluster();
  try {
    await c.start();
    const h = await c.addHost('a');
    h.driver.stall(['StartUnit']); // systemd answering starts slowly; the fake's call timeout is 10 s
    const first = ['first1.service', 'first2.service'];
    const second = ['second1.service', 'second2.service'];
    for (const n of first) await c.registry.api.createUnit(sleeper(n), 'launched');
    await waitFor('the first units loaded', () => managed(h, first));
    for (const n of second) await c.registry.api.createUnit(sleeper(n), 'launched');
    // Before: the pass waited for the first units' StartUnit answers (here: their 10 s timeout) before loading these.
    await waitFor('the second units loaded while the first starts are unanswered', () => managed(h, second), 5_000);
    h.driver.resume();
    await waitFor('all four running', async () => (await h.driver.listStates([...first, ...second])).every((s) => s.subState === 'running'));
  } finally {
    await c.stop();
  }
});

test('a unit destroyed while its start waits in the queue is never started', async () => {
  const c = new MemoryCluster();
  try {
    await c.start();
    const h = await c.addHost('a');
    h.driver.stall(['StartUnit']);
    // More than the runner's 16 StartUnit calls in flight: some wait unsent in the queue.
    const names = Array.from({ length: 20 }, (_, i) => `doomed${i}.service`);
    for (const n of names) await c.registry.api.createUnit(sleeper(n), 'launched');
    await waitFor('all loaded', () => managed(h, names));
    for (const n of names) await c.registry.api.destroyUnit(n);
    await waitFor('all unloaded', async () => (await h.driver.managedUnits()).length === 0);
    const sent = h.driver.callCounts.get('StartUnit') ?? 0;
    assert.ok(sent <= 16, `${sent} StartUnit calls sent before the destroy`);
    h.driver.resume();
    await new Promise((r) => setTimeout(r, 200)); // the answered starts run their course; the queued ones are dropped
    assert.equal(h.driver.callCounts.get('StartUnit'), sent, 'no StartUnit after the units were unloaded');
    assert.deepEqual((await h.driver.listStates(names)).filter((s) => s.activeState !== 'inactive'), []);
    assert.deepEqual(h.agent.launchedUnits(), []);
  } finally {
    await c.stop();
  }
});

test('a StartUnit that systemd answered too late is retried within a fraction of a second, not after the whole retry interval', async () => {
  // The fake systemd's calls time out on a clock of their own; the agent's longest retry wait is a minute.
  const systemdClock = new ManualClock();
  const c = new MemoryCluster(5000, { retryIntervalMs: 60_000 }, { clock: systemdClock, callTimeoutMs: 1000 });
  try {
    await c.start();
    const h = await c.addHost('a');
    h.driver.stall(['StartUnit']);
    await c.registry.api.createUnit(sleeper('late.service'), 'launched');
    await waitFor('StartUnit sent', async () => (h.driver.callCounts.get('StartUnit') ?? 0) >= 1);
    await systemdClock.advance(1000); // it times out: the start task fails
    h.driver.resume();
    await waitFor('started by the retry', async () => (await h.driver.listStates(['late.service']))[0]?.subState === 'running', 10_000);
    assert.equal(h.driver.callCounts.get('StartUnit'), 2);
  } finally {
    await c.stop();
  }
});

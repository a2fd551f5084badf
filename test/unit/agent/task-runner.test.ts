import { test } from 'node:test';
import assert from 'node:assert/strict';
import { silentLogger } from '../../../src/fleetd/logger.js';
import { planTasks, type CurrentUnit, type DesiredUnit } from '../../../src/agent/plan-tasks.js';
import { runTasks, type TaskHooks } from '../../../src/agent/task-runner.js';
import { FakeSystemdDriver } from '../../../src/systemd/fake-driver.js';

const log = silentLogger();
const SLEEP = '[Service]\nExecStart=/bin/sleep 600\n';
const BAD = '[Service]\nType=simple\n';

/** A tiny agent: what is on disk (name -> hash) and the texts by hash, so passes can be run back to back. */
function world(driver: FakeSystemdDriver) {
  const onDisk = new Map<string, string>();
  const launched = new Set<string>();
  const texts = new Map<string, string>([['sleep', SLEEP], ['bad', BAD]]);
  const hooks = (want: ReadonlyMap<string, string>): TaskHooks => ({
    body: (name) => ({ name, text: texts.get(want.get(name) ?? '')! }),
    loaded: (name) => onDisk.set(name, want.get(name)!),
    started: (name) => launched.add(name),
    unloaded: (name) => {
      onDisk.delete(name);
      launched.delete(name);
    },
  });
  return {
    /** Runs one pass towards `desired` (name -> text key), all launched. */
    async pass(desired: Record<string, string>) {
      const want = new Map(Object.entries(desired));
      const d: DesiredUnit[] = [...want].map(([name, hash]) => ({ name, hash, targetState: 'launched' }));
      const c: CurrentUnit[] = [...onDisk].map(([name, hash]) => ({ name, hash, launched: launched.has(name) }));
      return runTasks(planTasks(d, c), driver, hooks(want), log);
    },
  };
}

const names = (n: number): string[] => Array.from({ length: n }, (_, i) => `u${String(i).padStart(3, '0')}.service`);

test('a burst of new units is loaded in one call and started without a daemon reload', async () => {
  const driver = new FakeSystemdDriver();
  try {
    const w = world(driver);
    const outcomes = await w.pass(Object.fromEntries(names(100).map((n) => [n, 'sleep'])));
    assert.deepEqual(outcomes.filter((o) => o.error || o.skipped), []);
    assert.equal(driver.reloadCount, 0, 'systemd loads new units on first reference');
    const states = await driver.listStates(names(100));
    assert.ok(states.every((s) => s.activeState === 'active' && s.subState === 'running'));
  } finally {
    await driver.close();
  }
});

test('a replaced unit gets one reload and runs its new definition; unloads still reload', async () => {
  const driver = new FakeSystemdDriver();
  try {
    const w = world(driver);
    await w.pass({ 'a.service': 'bad', 'b.service': 'sleep' });
    assert.equal(driver.reloadCount, 0);
    assert.equal((await driver.listStates(['a.service']))[0]?.loadState, 'bad-setting');
    // a's content changes: unload + load of the same name, and systemd must see the new file
    const replaced = await w.pass({ 'a.service': 'sleep', 'b.service': 'sleep' });
    assert.deepEqual(replaced.filter((o) => o.error).map((o) => `${o.task.kind} ${o.task.unit}: ${o.error?.message}`), []);
    assert.equal(driver.reloadCount, 1, 'one reload for the pass');
    const [a] = await driver.listStates(['a.service']);
    assert.equal(`${a?.loadState}/${a?.activeState}/${a?.subState}`, 'loaded/active/running');
    // destroying b: the pass unloads, then reloads so systemd forgets it now
    await w.pass({ 'a.service': 'sleep' });
    assert.equal(driver.reloadCount, 2);
    assert.equal((await driver.listStates(['b.service']))[0]?.loadState, 'not-found');
  } finally {
    await driver.close();
  }
});

test('a preempting unit is not started when a victim could not be stopped; it is once the victim is down', async () => {
  const driver = new FakeSystemdDriver();
  try {
    const order: string[] = [];
    const hooks: TaskHooks = {
      body: (name) => ({ name, text: SLEEP }),
      started: (name) => order.push(`started ${name}`),
      unloaded: (name) => order.push(`stopped ${name}`),
    };
    const low = 'low.service';
    await runTasks(planTasks([{ name: low, hash: 'h', targetState: 'launched' }], []), driver, hooks, log);
    const vip: DesiredUnit = { name: 'vip.service', hash: 'h', targetState: 'launched', preempts: [low] };
    const tasks = planTasks([vip], [{ name: low, hash: 'h', launched: true }]);
    const failing = { ...driver, unload: async () => Promise.reject(new Error('stop timed out')) } as unknown as FakeSystemdDriver;
    Object.setPrototypeOf(failing, driver);
    const blocked = await runTasks(tasks, failing, hooks, log);
    assert.deepEqual(blocked.map((o) => `${o.task.kind} ${o.task.unit ?? ''}${o.error ? ' failed' : o.skipped ? ' skipped' : ''}`), [
      `unload ${low} failed`,
      'load vip.service',
      'reload ',
      'start vip.service skipped',
    ]);
    assert.deepEqual(order, ['started low.service']);
    const ok = await runTasks(tasks, driver, hooks, log);
    assert.deepEqual(ok.filter((o) => o.error || o.skipped), []);
    assert.deepEqual(order, ['started low.service', 'stopped low.service', 'started vip.service'], 'stopped before the start');
    assert.equal((await driver.listStates(['vip.service']))[0]?.activeState, 'active');
  } finally {
    await driver.close();
  }
});

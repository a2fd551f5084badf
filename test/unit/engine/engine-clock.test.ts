import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../../src/clock.js';
import { Engine } from '../../../src/engine/engine.js';
import { silentLogger } from '../../../src/fleetd/logger.js';
import { createMemoryRegistry, RegistryUnavailableError, type EngineRegistry, type MachineRecord } from '../../../src/registry/index.js';
import { sleeper } from '../../support/units.js';
import { advanceUntil } from '../../support/manual-time.js';

// The engine on a manual clock: every wait is a clock advance, never a sleep.

const machine = (id: string): MachineRecord => ({ id, publicIP: '127.0.0.1', metadata: {}, version: 'test', capabilities: {} });
const INTERVAL = 2000;

async function leader(clock: ManualClock, registry?: (r: EngineRegistry) => EngineRegistry) {
  const reg = createMemoryRegistry({ clock });
  const presence = await reg.agent.announce(machine('m1'), { ttlSeconds: 30 });
  const engine = new Engine({
    registry: registry ? registry(reg.engine) : reg.engine,
    election: reg.election({ machineId: 'm1', ttlSeconds: 5 }),
    logger: silentLogger(),
    reconcileIntervalMs: INTERVAL,
    clock,
  });
  await engine.start();
  await advanceUntil(clock, 'elected', () => engine.stats.passes > 0);
  const close = async () => {
    await engine.stop();
    await presence.stop({ graceful: true });
    await reg.close();
  };
  return { reg, engine, close };
}

/** Schedule writes to fail: the next `left` fail as an unavailable etcd would; `attempts` counts every write tried. */
interface FailingWrites {
  left: number;
  attempts: number;
}

/** A leader whose schedule writes fail as `writes` says. */
function leaderWithFailingWrites(clock: ManualClock, writes: FailingWrites) {
  return leader(clock, (r) =>
    Object.create(r, {
      applySchedule: {
        value: async (...args: Parameters<EngineRegistry['applySchedule']>) => {
          writes.attempts++;
          if (writes.left-- > 0) throw new RegistryUnavailableError('txn');
          return r.applySchedule(...args);
        },
      },
    }),
  );
}

test('engine_reconcile_interval: while leader, a full pass from the cache runs every interval, with nothing to write', async () => {
  const clock = new ManualClock();
  const { reg, engine, close } = await leader(clock);
  try {
    await reg.api.createUnit(sleeper('a.service'), 'launched');
    await advanceUntil(clock, 'a.service scheduled', async () => (await reg.api.listSchedule()).length === 1);
    assert.deepEqual((await reg.api.listSchedule()).map((e) => `${e.name}@${e.machineId}`), ['a.service@m1']);
    await clock.advance(INTERVAL); // let the pass after the write settle into the periodic rhythm
    const passes = engine.stats.passes;
    const written = engine.stats.opsWritten;
    await clock.advance(INTERVAL);
    assert.equal(engine.stats.passes, passes + 1, 'one pass per interval with no change at all');
    await clock.advance(3 * INTERVAL);
    assert.equal(engine.stats.passes, passes + 4);
    assert.equal(engine.stats.opsWritten, written, 'a pass with nothing to do writes nothing');
  } finally {
    await close();
  }
});

test('a failed schedule write is retried; stop leaves no engine timer behind', async () => {
  const clock = new ManualClock();
  const failures: FailingWrites = { left: 1, attempts: 0 };
  const { reg, engine, close } = await leaderWithFailingWrites(clock, failures);
  let closed = false;
  try {
    await reg.api.createUnit(sleeper('a.service'), 'launched');
    await advanceUntil(clock, 'the failed write', () => engine.stats.failedPasses === 1);
    assert.deepEqual(await reg.api.listSchedule(), []);
    await clock.advance(INTERVAL);
    assert.deepEqual((await reg.api.listSchedule()).map((e) => e.name), ['a.service']);
    const timersWhileLeading = clock.pendingTimers();
    await engine.stop();
    assert.ok(clock.pendingTimers() < timersWhileLeading, 'the periodic timer is cleared');
    const after = clock.pendingTimers();
    const passes = engine.stats.passes;
    await clock.advance(10 * INTERVAL);
    assert.equal(engine.stats.passes, passes, 'no pass after stop');
    assert.ok(clock.pendingTimers() <= after);
    await close();
    closed = true;
  } finally {
    if (!closed) await close();
  }
});

test('a failed schedule write is retried after 200 ms, then 400 ms..., not only by the next periodic pass (2 s)', async () => {
  const clock = new ManualClock();
  const failures: FailingWrites = { left: 2, attempts: 0 };
  const { reg, engine, close } = await leaderWithFailingWrites(clock, failures);
  try {
    await reg.api.createUnit(sleeper('a.service'), 'launched');
    await advanceUntil(clock, 'the first failed write', () => engine.stats.failedPasses === 1);
    await clock.advance(190);
    assert.equal(failures.attempts, 1, 'no retry before 200 ms');
    await advanceUntil(clock, 'the second attempt (fails too)', () => failures.attempts === 2, 50);
    await clock.advance(390);
    assert.equal(failures.attempts, 2, 'the next one after 400 ms');
    await advanceUntil(clock, 'the schedule written by the third', async () => (await reg.api.listSchedule()).length === 1, 50);
    assert.equal(failures.attempts, 3);
  } finally {
    await close();
  }
});

test('an idle leader reuses its plan on every periodic pass; a change, a machine\'s TTL expiry and a failed write are planned again', async () => {
  const clock = new ManualClock();
  const failures: FailingWrites = { left: 0, attempts: 0 };
  const { reg, engine, close } = await leaderWithFailingWrites(clock, failures);
  const m2 = await reg.agent.announce(machine('m2'), { ttlSeconds: 10 });
  const placed = async () => (await reg.api.listSchedule()).map((e) => `${e.name}@${e.machineId}`).sort();
  const planned = () => engine.stats.passes - engine.stats.reusedPlans;
  try {
    await reg.api.createUnit(sleeper('a.service', 'MachineID=m2'), 'launched');
    await advanceUntil(clock, 'a.service scheduled', async () => (await placed()).length === 1);
    await clock.advance(2 * INTERVAL);
    const passes = engine.stats.passes;
    const plans = planned();
    await clock.advance(3 * INTERVAL);
    assert.equal(engine.stats.passes, passes + 3, 'the periodic passes still run');
    assert.equal(planned(), plans, 'but plan nothing: the cache has not changed');

    await reg.api.createUnit(sleeper('b.service'), 'launched');
    await advanceUntil(clock, 'b.service scheduled', async () => (await placed()).length === 2);
    assert.ok(planned() > plans, 'a new unit is planned');

    // m2 stops renewing its registration: the TTL expiry reaches the cache as a change, and a.service loses its machine.
    await m2.stop({ graceful: false });
    await advanceUntil(clock, 'a.service unscheduled after m2 expired', async () => !(await placed()).some((p) => p.startsWith('a.service@')), 15_000, 100);
    assert.deepEqual(await placed(), ['b.service@m1']);

    // A write that fails leaves the cache as it was; the retry still writes (the reused plan's ops).
    failures.left = 1;
    await reg.api.createUnit(sleeper('c.service'), 'launched');
    await advanceUntil(clock, 'the failed write', () => engine.stats.failedPasses === 1);
    await advanceUntil(clock, 'c.service scheduled by the retry', async () => (await placed()).includes('c.service@m1'), 3 * INTERVAL);
  } finally {
    await m2.stop({ graceful: true }).catch(() => undefined);
    await close();
  }
});

test('a cordon\'s end is planned although nothing else changed: a unit pinned to the cordoned previous leader is placed then', async () => {
  const clock = new ManualClock();
  const reg = createMemoryRegistry({ clock });
  const mk = (id: string) => new Engine({ registry: reg.engine, election: reg.election({ machineId: id, ttlSeconds: 5 }), logger: silentLogger(), reconcileIntervalMs: 200, suspectPreviousLeaderMs: 1000, clock });
  const e1 = mk('m1');
  const e2 = mk('m2');
  const presences = [await reg.agent.announce(machine('m1'), { ttlSeconds: 30 }), await reg.agent.announce(machine('m2'), { ttlSeconds: 30 })];
  const placedOn = async (name: string) => (await reg.api.listSchedule()).find((e) => e.name === name)?.machineId;
  try {
    await e1.start();
    await advanceUntil(clock, 'm1 leads', () => e1.active);
    await e2.start();
    await e1.stop(); // m2 leads and cordons m1, which stays registered
    const failoverAt = clock.now();
    await advanceUntil(clock, 'm2 leads', () => e2.active);
    await reg.api.createUnit(sleeper('pin.service', 'MachineID=m1'), 'launched');
    await advanceUntil(clock, 'pin.service judged', () => e2.stats.passes > 0 && clock.now() - failoverAt > 300);
    const reusedBefore = e2.stats.reusedPlans;
    await clock.advance(Math.max(0, failoverAt + 900 - clock.now()));
    assert.equal(await placedOn('pin.service'), undefined, 'waits while m1 is cordoned');
    assert.ok(e2.stats.reusedPlans > reusedBefore, 'the periodic passes meanwhile reuse the plan');
    await advanceUntil(clock, 'pin.service placed once the cordon ended', async () => (await placedOn('pin.service')) === 'm1', 500);
  } finally {
    await e2.stop();
    for (const p of presences) await p.stop({ graceful: true }).catch(() => undefined);
    await reg.close();
  }
});

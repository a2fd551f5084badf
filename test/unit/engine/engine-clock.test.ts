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
  let failures = 1;
  const { reg, engine, close } = await leader(clock, (r) =>
    Object.create(r, {
      applySchedule: {
        value: async (...args: Parameters<EngineRegistry['applySchedule']>) => {
          if (failures-- > 0) throw new RegistryUnavailableError('txn');
          return r.applySchedule(...args);
        },
      },
    }),
  );
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
  let failures = 2;
  let attempts = 0;
  const { reg, engine, close } = await leader(clock, (r) =>
    Object.create(r, {
      applySchedule: {
        value: async (...args: Parameters<EngineRegistry['applySchedule']>) => {
          attempts++;
          if (failures-- > 0) throw new RegistryUnavailableError('txn');
          return r.applySchedule(...args);
        },
      },
    }),
  );
  try {
    await reg.api.createUnit(sleeper('a.service'), 'launched');
    await advanceUntil(clock, 'the first failed write', () => engine.stats.failedPasses === 1);
    await clock.advance(190);
    assert.equal(attempts, 1, 'no retry before 200 ms');
    await advanceUntil(clock, 'the second attempt (fails too)', () => attempts === 2, 50);
    await clock.advance(390);
    assert.equal(attempts, 2, 'the next one after 400 ms');
    await advanceUntil(clock, 'the schedule written by the third', async () => (await reg.api.listSchedule()).length === 1, 50);
    assert.equal(attempts, 3);
  } finally {
    await close();
  }
});

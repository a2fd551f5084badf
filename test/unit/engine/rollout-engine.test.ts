import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createMemoryRegistry, encodeState, KeyLayout, type MachinePresence, type MachineRecord, type MemoryRegistry } from '../../../src/registry/index.js';
import { Engine } from '../../../src/engine/engine.js';
import { silentLogger } from '../../../src/fleetd/logger.js';
import { ManualClock } from '../../../src/clock.js';
import { planRolloutCreate, type RolloutEvent, type RolloutRecord } from '../../../src/rollout/index.js';
import { buildUnit } from '../../../src/units/index.js';
import { unitRecord } from '../../support/units.js';
import { advanceUntil } from '../../support/manual-time.js';

const machine = (id: string): MachineRecord => ({ id, publicIP: '127.0.0.1', metadata: {}, version: 'test', capabilities: {} });
const layout = new KeyLayout();
const V1 = '[Service]\nExecStart=/bin/sleep 100000\n';
const V2 = '[Service]\nExecStart=/bin/sleep 200000\n';
const BROKEN = '[Service]\nExecStart=/bin/false\n';

/** Fake agents: every scheduled entry is reported running its hash (a broken text reports failed), one report per change. */
async function agents(reg: MemoryRegistry, now: number, broken: string, restarts: Map<string, number>): Promise<void> {
  const entries = await reg.api.listSchedule();
  const states = await reg.api.listStates();
  for (const e of entries) {
    const s = states.find((x) => x.name === e.name && x.machineId === e.machineId);
    if (s?.hash === e.hash) continue;
    if (s !== undefined) restarts.set(`${e.name}@${e.machineId}`, (restarts.get(`${e.name}@${e.machineId}`) ?? 0) + 1);
    const bad = e.hash === broken;
    const state = { name: e.name, machineId: e.machineId, loadState: 'loaded' as const, activeState: bad ? ('failed' as const) : ('active' as const), subState: bad ? 'failed' : 'running', hash: e.hash, timestamp: now };
    await reg.kv.txn([], [{ type: 'put', key: layout.state(e.name, e.machineId), value: encodeState(state) }]);
  }
}

async function setup(clock: ManualClock, leaders: string[]) {
  const reg = createMemoryRegistry({ clock });
  const engines = leaders.map((id) => new Engine({ registry: reg.engine, election: reg.election({ machineId: id, ttlSeconds: 5 }), logger: silentLogger(), reconcileIntervalMs: 200, clock, rolloutTickMs: 500, observers: [{ rollout: (e) => events.push(e) }] }));
  const events: RolloutEvent[] = [];
  const presences: MachinePresence[] = [];
  for (const id of ['m1', 'm2', 'm3']) presences.push(await reg.agent.announce(machine(id), { ttlSeconds: 5 }));
  await reg.api.createUnit(unitRecord('web@.service', V1), 'inactive');
  for (let i = 1; i <= 6; i++) await reg.api.createUnit(unitRecord(`web@${i}.service`, V1), 'launched');
  for (const e of engines) await e.start();
  return { reg, engines, events, presences, close: async () => {
    for (const e of engines) await e.stop();
    for (const p of presences) await p.stop({ graceful: true }).catch(() => undefined);
    await reg.close();
  } };
}

async function startRollout(reg: MemoryRegistry, text: string, settings: { maxParallel: number; autoRevert?: boolean }, now: number): Promise<RolloutRecord> {
  const unit = buildUnit('web@.service', text);
  const record = planRolloutCreate({ group: 'web@.service', unit, settings: { minHealthyTimeMs: 2000, ...settings } }, { members: (await reg.api.listUnits()).map((u) => u.unit), current: undefined, now });
  assert.ok(await reg.api.createRollout(record, { hash: unit.hash, text: unit.text }, 0n));
  return record;
}

test('engine: a template rolled out two at a time, never more than two instances restarting, records rewritten at the end', async () => {
  const clock = new ManualClock();
  const c = await setup(clock, ['m1']);
  const restarts = new Map<string, number>();
  try {
    await advanceUntil(clock, '6 scheduled', async () => (await c.reg.api.listSchedule()).length === 6, 2000);
    await agents(c.reg, clock.now(), '', restarts);
    const r = await startRollout(c.reg, V2, { maxParallel: 2 }, clock.now());
    let worst = 0;
    for (let i = 0; i < 200; i++) {
      await clock.advance(250);
      const entries = await c.reg.api.listSchedule();
      const states = await c.reg.api.listStates();
      const switching = entries.filter((e) => states.find((s) => s.name === e.name && s.machineId === e.machineId)?.hash !== e.hash).length;
      worst = Math.max(worst, switching);
      await agents(c.reg, clock.now(), '', restarts);
      if ((await c.reg.api.getRollout('web@.service'))?.record.phase === 'done') break;
    }
    const done = (await c.reg.api.getRollout('web@.service'))!.record;
    assert.equal(done.phase, 'done', done.message);
    assert.equal(worst, 2);
    assert.equal(done.batches.length, 3);
    assert.ok((await c.reg.api.listSchedule()).every((e) => e.hash === r.toHash));
    assert.ok((await c.reg.api.listUnits()).every((u) => u.unit.hash === r.toHash), 'template and instances carry the new text');
    assert.equal(restarts.size, 6);
    assert.deepEqual(c.events.map((e) => e.kind).filter((k) => k !== 'batchStarted' && k !== 'batchHealthy'), ['started', 'done']);
  } finally {
    await c.close();
  }
});

test('engine: a broken text with auto_revert stops after the first batch and is reverted; the others never restart', async () => {
  const clock = new ManualClock();
  const c = await setup(clock, ['m1']);
  const restarts = new Map<string, number>();
  try {
    await advanceUntil(clock, '6 scheduled', async () => (await c.reg.api.listSchedule()).length === 6, 2000);
    await agents(c.reg, clock.now(), '', restarts);
    const r = await startRollout(c.reg, BROKEN, { maxParallel: 2, autoRevert: true }, clock.now());
    for (let i = 0; i < 200; i++) {
      await clock.advance(250);
      await agents(c.reg, clock.now(), r.toHash, restarts);
      if ((await c.reg.api.getRollout('web@.service'))?.record.phase === 'reverted') break;
    }
    const rec = (await c.reg.api.getRollout('web@.service'))!.record;
    assert.equal(rec.phase, 'reverted', rec.message);
    assert.deepEqual([...restarts].map(([k, n]) => `${k.split('@m')[0]} ${n}`).sort(), ['web@1.service 2', 'web@2.service 2'], 'only the first batch moved (there and back)');
    assert.ok((await c.reg.api.listSchedule()).every((e) => e.hash === r.fromHash));
    assert.ok((await c.reg.api.listUnits()).every((u) => u.unit.hash === r.fromHash));
  } finally {
    await c.close();
  }
});

test('engine: a new leader continues a rollout from its stored progress', async () => {
  const clock = new ManualClock();
  const c = await setup(clock, ['m1', 'm2']);
  const restarts = new Map<string, number>();
  try {
    await advanceUntil(clock, '6 scheduled', async () => (await c.reg.api.listSchedule()).length === 6, 2000);
    await agents(c.reg, clock.now(), '', restarts);
    await startRollout(c.reg, V2, { maxParallel: 1 }, clock.now());
    const first = c.engines.find((e) => e.active)!;
    for (let i = 0; i < 200; i++) {
      await clock.advance(250);
      await agents(c.reg, clock.now(), '', restarts);
      if (((await c.reg.api.getRollout('web@.service'))?.record.batches.length ?? 0) >= 3) break;
    }
    await first.stop();
    await advanceUntil(clock, 'the other engine leads', () => c.engines.some((e) => e !== first && e.active), 10_000);
    for (let i = 0; i < 400; i++) {
      await clock.advance(250);
      await agents(c.reg, clock.now(), '', restarts);
      if ((await c.reg.api.getRollout('web@.service'))?.record.phase === 'done') break;
    }
    const rec = (await c.reg.api.getRollout('web@.service'))!.record;
    assert.equal(rec.phase, 'done', rec.message);
    assert.equal(rec.batches.length, 6);
    assert.equal(restarts.size, 6, 'each instance restarted once');
    assert.ok([...restarts.values()].every((n) => n === 1));
  } finally {
    await c.close();
  }
});

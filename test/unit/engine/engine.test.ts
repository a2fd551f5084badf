import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createMemoryRegistry, type MachineRecord, type MachinePresence, type ScheduleEntry } from '../../../src/registry/index.js';
import { Engine } from '../../../src/engine/engine.js';
import { silentLogger } from '../../../src/fleetd/logger.js';
import { sleeper } from '../../support/units.js';
import { waitFor } from '../../support/wait.js';
import { advanceUntil } from '../../support/manual-time.js';
import { ManualClock } from '../../../src/clock.js';

const machine = (id: string, metadata: Record<string, string> = {}): MachineRecord => ({ id, publicIP: '127.0.0.1', metadata, version: 'test', capabilities: {} });

function countBy(entries: ScheduleEntry[], pick: (e: ScheduleEntry) => boolean = () => true): Record<string, number> {
  const out: Record<string, number> = {};
  for (const e of entries) if (pick(e)) out[e.machineId] = (out[e.machineId] ?? 0) + 1;
  return out;
}

test('engine on the in-memory registry: spread, globals, machine loss, desired changes, destroy', async () => {
  const reg = createMemoryRegistry();
  const presences: Record<string, MachinePresence> = {};
  const engine = new Engine({ registry: reg.engine, election: reg.election({ machineId: 'm1', ttlSeconds: 5 }), logger: silentLogger(), reconcileIntervalMs: 200 });
  try {
    for (const id of ['m1', 'm2', 'm3']) presences[id] = await reg.agent.announce(machine(id), { ttlSeconds: 5 });
    await engine.start();
    for (let i = 1; i <= 9; i++) await reg.api.createUnit(sleeper(`u${i}.service`), 'launched');
    let schedule = await waitFor('9 units scheduled', async () => {
      const s = await reg.api.listSchedule();
      return s.length === 9 ? s : undefined;
    });
    assert.deepEqual(countBy(schedule), { m1: 3, m2: 3, m3: 3 });
    assert.ok(schedule.every((e) => e.targetState === 'launched'));

    await reg.api.createUnit(sleeper('mon.service', 'Global=true'), 'launched');
    await waitFor('global unit on 3 machines', async () => countBy(await reg.api.listSchedule(), (e) => e.name === 'mon.service').m3 === 1 && (await reg.api.listSchedule()).filter((e) => e.name === 'mon.service').length === 3);
    presences.m4 = await reg.agent.announce(machine('m4'), { ttlSeconds: 5 });
    await waitFor('global unit on the machine that joined', async () => (await reg.api.listSchedule()).some((e) => e.name === 'mon.service' && e.machineId === 'm4'));

    const onM2 = (await reg.api.listSchedule()).filter((e) => e.machineId === 'm2' && e.name !== 'mon.service').map((e) => e.name);
    assert.equal(onM2.length, 3);
    await presences.m2!.stop({ graceful: true });
    schedule = await waitFor('units of m2 moved elsewhere', async () => {
      const s = await reg.api.listSchedule();
      return s.some((e) => e.machineId === 'm2') || s.filter((e) => e.name !== 'mon.service').length !== 9 ? undefined : s;
    });
    for (const name of onM2) assert.ok(schedule.some((e) => e.name === name && e.machineId !== 'm2'), `${name} rescheduled`);

    await reg.api.setDesiredState('u1.service', 'loaded');
    await waitFor('target state loaded reaches the entry', async () => (await reg.api.listSchedule()).find((e) => e.name === 'u1.service')?.targetState === 'loaded');
    await reg.api.setDesiredState('u1.service', 'inactive');
    await waitFor('inactive unit unscheduled', async () => !(await reg.api.listSchedule()).some((e) => e.name === 'u1.service'));

    await reg.api.destroyUnit('u2.service');
    await reg.api.destroyUnit('mon.service');
    await waitFor('destroyed units unscheduled', async () => !(await reg.api.listSchedule()).some((e) => e.name === 'u2.service' || e.name === 'mon.service'));

    const replaced = sleeper('u3.service', 'Conflicts=nothing.service');
    await reg.api.replaceUnit(replaced);
    await waitFor('replaced content reaches the entry', async () => (await reg.api.listSchedule()).find((e) => e.name === 'u3.service')?.hash === replaced.hash);
    assert.ok(engine.stats.passes > 0 && engine.stats.failedPasses === 0);
  } finally {
    await engine.stop();
    for (const p of Object.values(presences)) await p.stop({ graceful: true }).catch(() => undefined);
    await reg.close();
  }
});

test('a unit no machine can take stays unscheduled until one joins', async () => {
  const reg = createMemoryRegistry();
  const engine = new Engine({ registry: reg.engine, election: reg.election({ machineId: 'm1', ttlSeconds: 5 }), logger: silentLogger(), reconcileIntervalMs: 200 });
  const presences: MachinePresence[] = [];
  try {
    presences.push(await reg.agent.announce(machine('m1', { region: 'us' }), { ttlSeconds: 5 }));
    await engine.start();
    await reg.api.createUnit(sleeper('eu.service', 'MachineMetadata=region=eu'), 'launched');
    await reg.api.createUnit(sleeper('us.service', 'MachineMetadata=region=us'), 'launched');
    await waitFor('us unit scheduled', async () => (await reg.api.listSchedule()).some((e) => e.name === 'us.service'));
    assert.ok(!(await reg.api.listSchedule()).some((e) => e.name === 'eu.service'));
    presences.push(await reg.agent.announce(machine('m2', { region: 'eu' }), { ttlSeconds: 5 }));
    await waitFor('eu unit placed on the eu machine', async () => (await reg.api.listSchedule()).find((e) => e.name === 'eu.service')?.machineId === 'm2');
  } finally {
    await engine.stop();
    for (const p of presences) await p.stop({ graceful: true }).catch(() => undefined);
    await reg.close();
  }
});

test('after a failover the previous leader\'s machine gets no new units until it leaves or the suspicion period ends', async () => {
  // On the manual clock: the suspicion period (800 ms) passes by advancing time, not by sleeping.
  const clock = new ManualClock();
  const reg = createMemoryRegistry({ clock });
  const mk = (id: string) => new Engine({ registry: reg.engine, election: reg.election({ machineId: id, ttlSeconds: 5 }), logger: silentLogger(), reconcileIntervalMs: 200, suspectPreviousLeaderMs: 800, clock });
  const e1 = mk('m1');
  const e2 = mk('m2');
  const presences: Record<string, MachinePresence> = {};
  const placedOn = async (name: string) => (await reg.api.listSchedule()).find((e) => e.name === name)?.machineId;
  try {
    for (const id of ['m1', 'm2', 'm3']) presences[id] = await reg.agent.announce(machine(id), { ttlSeconds: 5 });
    await e1.start();
    await advanceUntil(clock, 'm1 leads', () => e1.active);
    await e2.start();
    // m2 and m3 get one unit each, so m1 is the least loaded machine.
    await reg.api.createUnit(sleeper('on2.service', 'MachineID=m2'), 'launched');
    await reg.api.createUnit(sleeper('on3.service', 'MachineID=m3'), 'launched');
    await advanceUntil(clock, 'pinned units placed', async () => (await reg.api.listSchedule()).length === 2);
    await e1.stop(); // leadership moves to m2 while m1 stays registered
    const failoverAt = clock.now();
    await advanceUntil(clock, 'm2 leads', () => e2.active);
    await reg.api.createUnit(sleeper('new.service'), 'launched');
    await advanceUntil(clock, 'new unit placed', async () => (await placedOn('new.service')) !== undefined, 700);
    assert.ok(clock.now() - failoverAt < 800, 'placed within the suspicion period');
    assert.notEqual(await placedOn('new.service'), 'm1', 'not on the suspect previous leader');
    await reg.api.destroyUnit('new.service');
    await advanceUntil(clock, 'destroyed unit unscheduled', async () => (await placedOn('new.service')) === undefined);
    await clock.advance(Math.max(0, failoverAt + 800 - clock.now())); // suspicion period over: m1 is evidently alive
    await reg.api.createUnit(sleeper('later.service'), 'launched');
    await advanceUntil(clock, 'later unit placed', async () => (await placedOn('later.service')) !== undefined);
    assert.equal(await placedOn('later.service'), 'm1', 'least loaded machine again');
  } finally {
    await e2.stop();
    for (const p of Object.values(presences)) await p.stop({ graceful: true }).catch(() => undefined);
    await reg.close();
  }
});

test('preemption: a high-priority unit takes the room of a low-priority one; the victim waits, explained', async () => {
  const reg = createMemoryRegistry();
  const sized: MachineRecord = { ...machine('m1'), resources: { capacity: { cpu: 4 }, reserved: {}, allocated: {} } };
  const engine = new Engine({ registry: reg.engine, election: reg.election({ machineId: 'm1', ttlSeconds: 5 }), logger: silentLogger(), reconcileIntervalMs: 200 });
  const presences: MachinePresence[] = [];
  try {
    presences.push(await reg.agent.announce(sized, { ttlSeconds: 5 }));
    await engine.start();
    await reg.api.createUnit(sleeper('low.service', 'Resources=cpu=3'), 'launched');
    await waitFor('low scheduled', async () => (await reg.api.listSchedule()).some((e) => e.name === 'low.service'));
    await reg.api.createUnit(sleeper('vip.service', 'Resources=cpu=2\nPriority=100'), 'launched');
    await waitFor('vip in place of low', async () => {
      const s = await reg.api.listSchedule();
      return s.length === 1 && s[0]!.name === 'vip.service' && s[0]!.machineId === 'm1';
    });
    const record = await waitFor('low explained', async () => {
      const r = await reg.api.getUnplaced('low.service');
      return r?.message.startsWith('preempted') === true ? r : undefined;
    });
    assert.match(record.message, /^preempted by vip\.service \(priority 100\); 0 of 1 machines eligible: 1 by Resources/);
    const passes = engine.stats.passes;
    await waitFor('two more passes', async () => engine.stats.passes >= passes + 2);
    assert.equal((await reg.api.getUnplaced('low.service'))?.message, record.message, 'later passes keep the cause');
    await reg.api.setDesiredState('vip.service', 'inactive');
    await waitFor('low runs again once vip is gone', async () => (await reg.api.listSchedule()).some((e) => e.name === 'low.service'));
    await waitFor('low no longer explained', async () => (await reg.api.getUnplaced('low.service')) === undefined);
  } finally {
    await engine.stop();
    for (const p of presences) await p.stop({ graceful: true }).catch(() => undefined);
    await reg.close();
  }
});

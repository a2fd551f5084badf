/** The engine observer: one interface for decisions, unplaced units, warnings and failovers. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createMemoryRegistry, type MachineRecord, type MachinePresence } from '../../../src/registry/index.js';
import { Engine } from '../../../src/engine/engine.js';
import { fanOut, type EngineObserver, type PassReport } from '../../../src/engine/observer.js';
import { silentLogger } from '../../../src/fleetd/logger.js';
import { sleeper } from '../../support/units.js';
import { waitFor } from '../../support/wait.js';

const machine = (id: string): MachineRecord => ({ id, publicIP: '127.0.0.1', metadata: {}, version: 'test', capabilities: {} });

test('fanOut: every observer hears every event; a throwing one does not stop the others', () => {
  const heard: string[] = [];
  const all = fanOut([
    { deposed: () => { throw new Error('broken observer'); } },
    undefined,
    { deposed: (r) => heard.push(`second ${r}`) },
    {},
  ]);
  all.deposed('lease lost');
  all.elected({ atMs: 1 });
  assert.deepEqual(heard, ['second lease lost']);
});

test('engine: decisions, unplaced units and the failover cordon reach an observer', async () => {
  const reg = createMemoryRegistry();
  const events: string[] = [];
  const passes: PassReport[] = [];
  const observer: EngineObserver = {
    elected: (e) => events.push(`elected cordoned=${e.cordoned?.machine ?? '-'}`),
    planned: (p) => passes.push(p),
    applied: (p) => { for (const d of p.plan.decisions) events.push(`${d.kind} ${d.unit}@${d.machine}`); },
  };
  const e1 = new Engine({ registry: reg.engine, election: reg.election({ machineId: 'm1', ttlSeconds: 5 }), logger: silentLogger(), reconcileIntervalMs: 200 });
  const e2 = new Engine({ registry: reg.engine, election: reg.election({ machineId: 'm2', ttlSeconds: 5 }), logger: silentLogger(), reconcileIntervalMs: 200, suspectPreviousLeaderMs: 60_000, observers: [observer] });
  const presences: MachinePresence[] = [];
  try {
    for (const id of ['m1', 'm2']) presences.push(await reg.agent.announce(machine(id), { ttlSeconds: 5 }));
    await e1.start();
    await waitFor('m1 leads', () => e1.active);
    await e2.start();
    await e1.stop();
    await waitFor('m2 leads', () => e2.active);
    await reg.api.createUnit(sleeper('pinned.service', 'MachineID=m1'), 'launched');
    await reg.api.createUnit(sleeper('free.service'), 'launched');
    await waitFor('free unit placed', () => events.includes('schedule free.service@m2'));
    assert.equal(events[0], 'elected cordoned=m1', 'the failover and its cordon are reported first');
    const last = passes[passes.length - 1]!;
    assert.deepEqual(
      last.plan.unplaced.map((e) => [e.unit, e.rejections.map((r) => r.filter)]),
      [['pinned.service', ['Cordon', 'MachineID']]],
      'the unit pinned to the cordoned machine is explained by the cordon',
    );
  } finally {
    await e2.stop();
    await e1.stop();
    for (const p of presences) await p.stop({ graceful: true }).catch(() => undefined);
    await reg.close();
  }
});

/**
 * The API's explanation is the engine's. Reproduces the bug where the API
 * re-ran the scheduler without the engine's cordons: after a failover the
 * new leader cordons the previous leader's machine, so a unit pinned to it
 * waits, while `explain` said "schedule to m1".
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Engine } from '../../../src/engine/engine.js';
import { silentLogger } from '../../../src/fleetd/logger.js';
import { waitFor } from '../../support/wait.js';
import { opts, startHarness } from './harness.js';

test('explain after a failover: a unit pinned to the cordoned previous leader is unschedulable because of the cordon', async () => {
  const h = await startHarness();
  const mk = (id: string, suspectPreviousLeaderMs = 0) =>
    new Engine({ registry: h.registry.engine, election: h.registry.election({ machineId: id, ttlSeconds: 5 }), logger: silentLogger(), reconcileIntervalMs: 200, suspectPreviousLeaderMs });
  const e1 = mk('m1');
  const e2 = mk('m2', 60_000);
  try {
    await h.addMachine({ id: 'm1' });
    await h.addMachine({ id: 'm2' });
    await e1.start();
    await waitFor('m1 leads', () => e1.active);
    await e2.start();
    await e1.stop(); // m2 takes over while m1 is still registered: m1 is cordoned
    await waitFor('m2 leads', () => e2.active);
    await h.put('/fleet/v1/units/pinned.service', { desiredState: 'launched', options: opts(['Service', 'ExecStart', '/bin/true'], ['X-Fleet', 'MachineID', 'm1']) });
    const e = await waitFor('the engine decided about pinned.service', async () => {
      const r = (await h.request('GET', '/fleet/v1/units/pinned.service/explain')).json;
      return r.status === 'pending' ? undefined : r;
    }, 3000);
    assert.equal(e.status, 'unschedulable');
    assert.equal(e.message, '0 of 2 machines eligible: 1 by Cordon (cordoned), 1 by MachineID (m1)');
    assert.deepEqual(await h.registry.api.listSchedule(), [], 'and the engine indeed did not schedule it');
    const writes = e2.stats.unplacedWrites;
    await h.put('/fleet/v1/units/other.service', { desiredState: 'launched', options: opts(['Service', 'ExecStart', '/bin/true']) });
    await waitFor('other unit placed', async () => (await h.registry.api.listSchedule()).length === 1);
    assert.equal(e2.stats.unplacedWrites, writes, 'a pass that changes no explanation writes none');
  } finally {
    await e2.stop();
    await e1.stop();
    await h.stop();
  }
});

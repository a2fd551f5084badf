/**
 * Both fleetctl drivers decide unit writes by the one unit PUT policy: the
 * same calls give the same outcomes (and the same stored units) over the
 * HTTP API and straight over the registry.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createMemoryRegistry } from '../../../src/registry/index.js';
import { HttpFleetClient } from '../../../fleetctl/client/http-client.js';
import { RegistryFleetClient } from '../../../fleetctl/client/registry-client.js';
import { ApiError } from '../../../fleetctl/client/errors.js';
import type { FleetClient } from '../../../fleetctl/client/types.js';
import { startHarness } from '../api/harness.js';

const SERVICE = [{ section: 'Service', name: 'ExecStart', value: '/bin/sleep %i' }];
const CONTRADICTORY = [...SERVICE, { section: 'X-Fleet', name: 'Global', value: 'true' }, { section: 'X-Fleet', name: 'MachineOf', value: 'x.service' }];

/** The calls, in order, each with the outcome both drivers must give. */
const SCRIPT: Array<[string, (c: FleetClient) => Promise<void>, string]> = [
  ['instance without template', (c) => c.setDesiredState('web@1.service', 'launched'), '409 unit does not exist and options field empty'],
  ['submit template', (c) => c.putUnit('web@.service', SERVICE), 'ok'],
  ['instance from stored template', (c) => c.setDesiredState('web@1.service', 'launched'), 'ok'],
  ['instance from stored template, loaded', (c) => c.setDesiredState('web@2.service', 'loaded'), 'ok'],
  ['activate template', (c) => c.setDesiredState('web@.service', 'launched'), '400 cannot activate template "web@.service"'],
  ['create', (c) => c.putUnit('a.service', SERVICE, 'loaded'), 'ok'],
  ['same body, no desired state', (c) => c.putUnit('a.service', SERVICE), '409 must provide DesiredState to update existing unit'],
  ['bad name', (c) => c.putUnit('bad', SERVICE), '400 unit name must contain "."'],
  ['contradictory options', (c) => c.putUnit('b.service', CONTRADICTORY), '400 Global cannot be used with Peers'],
  ['missing plain unit', (c) => c.setDesiredState('gone.service', 'loaded'), '409 unit does not exist and options field empty'],
];

async function run(client: FleetClient): Promise<{ outcomes: string[]; units: string[] }> {
  const outcomes: string[] = [];
  for (const [, call] of SCRIPT) {
    try {
      await call(client);
      outcomes.push('ok');
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      outcomes.push(`${err.status} ${err.apiMessage}`);
    }
  }
  const units = (await client.listUnits()).map((u) => `${u.name} ${u.desiredState} ${u.options.map((o) => o.value).join(',')}`);
  return { outcomes, units };
}

test('the HTTP and etcd drivers give the same outcomes, template instances included', async (t) => {
  const h = await startHarness();
  t.after(() => h.stop());
  const http = new HttpFleetClient({ endpoint: { kind: 'unix', socketPath: h.socket }, idleTimeoutMs: 5000 });
  const registry = createMemoryRegistry();
  t.after(() => registry.close());
  const direct = new RegistryFleetClient(registry.api);

  const overHttp = await run(http);
  const overRegistry = await run(direct);
  const want = SCRIPT.map(([, , outcome]) => outcome);
  for (const [i, [name]] of SCRIPT.entries()) {
    assert.equal(overHttp.outcomes[i], want[i], `http: ${name}`);
    assert.equal(overRegistry.outcomes[i], want[i], `etcd driver: ${name}`);
  }
  assert.deepEqual(overRegistry.units, overHttp.units);
  assert.deepEqual(overHttp.units, [
    'a.service loaded /bin/sleep %i',
    'web@.service inactive /bin/sleep %i',
    'web@1.service launched /bin/sleep %i',
    'web@2.service loaded /bin/sleep %i',
  ]);
});

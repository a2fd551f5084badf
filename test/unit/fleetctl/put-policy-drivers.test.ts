/**
 * Both fleetctl drivers decide unit writes by the one unit PUT policy: the
 * same calls give the same outcomes (and the same stored units) over the
 * HTTP API and straight over the registry.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createMemoryRegistry } from '../../../src/registry/index.js';
import { HttpFleetClient } from '../../../fleetctl/client/http-client.js';
import { RegistryFleetClient } from '../../../fleetctl/client/registry-client.js';
import { ApiError } from '../../../fleetctl/client/errors.js';
import type { FleetClient, UnitWriteRequest } from '../../../fleetctl/client/types.js';
import type { DesiredState } from '../../../src/domain/index.js';
import type { UnitOption } from '../../../src/units/index.js';
import { startHarness } from '../api/harness.js';

const SERVICE = [{ section: 'Service', name: 'ExecStart', value: '/bin/sleep %i' }];
const CONTRADICTORY = [...SERVICE, { section: 'X-Fleet', name: 'Global', value: 'true' }, { section: 'X-Fleet', name: 'MachineOf', value: 'x.service' }];

const put = (name: string, options: readonly UnitOption[], desiredState?: DesiredState): UnitWriteRequest => ({ kind: 'put', name, options, ...(desiredState === undefined ? {} : { desiredState }) });
const setDesired = (name: string, desiredState: DesiredState): UnitWriteRequest => ({ kind: 'put', name, options: [], desiredState });

/** The writes, in order, each with the outcome both drivers must give (one call each, or all in one batch). */
const SCRIPT: Array<[string, UnitWriteRequest, string]> = [
  ['instance without template', setDesired('web@1.service', 'launched'), '409 unit does not exist and options field empty'],
  ['submit template', put('web@.service', SERVICE), 'ok'],
  ['instance from stored template', setDesired('web@1.service', 'launched'), 'ok'],
  ['instance from stored template, loaded', setDesired('web@2.service', 'loaded'), 'ok'],
  ['activate template', setDesired('web@.service', 'launched'), '400 cannot activate template "web@.service"'],
  ['create', put('a.service', SERVICE, 'loaded'), 'ok'],
  ['same body, no desired state', put('a.service', SERVICE), '409 must provide DesiredState to update existing unit'],
  ['bad name', put('bad', SERVICE), '400 unit name must contain "."'],
  ['contradictory options', put('b.service', CONTRADICTORY), '400 Global cannot be used with Peers'],
  ['missing plain unit', setDesired('gone.service', 'loaded'), '409 unit does not exist and options field empty'],
  ['create, then destroyed', put('c.service', SERVICE, 'launched'), 'ok'],
  ['destroy', { kind: 'destroy', name: 'c.service' }, 'ok'],
  ['destroy again', { kind: 'destroy', name: 'c.service' }, '404 unit does not exist'],
];

/** A write as its own call (putUnit / setDesiredState / destroyUnit). */
function single(c: FleetClient, w: UnitWriteRequest): Promise<void> {
  if (w.kind === 'destroy') return c.destroyUnit(w.name);
  if (w.options.length === 0 && w.desiredState !== undefined) return c.setDesiredState(w.name, w.desiredState);
  return c.putUnit(w.name, w.options, w.desiredState);
}

function outcome(err: unknown): string {
  if (err === undefined) return 'ok';
  if (!(err instanceof ApiError)) throw err;
  return `${err.status} ${err.apiMessage}`;
}

async function units(client: FleetClient): Promise<string[]> {
  return (await client.listUnits()).map((u) => `${u.name} ${u.desiredState} ${u.options.map((o) => o.value).join(',')}`);
}

async function run(client: FleetClient): Promise<{ outcomes: string[]; units: string[] }> {
  const outcomes: string[] = [];
  for (const [, w] of SCRIPT) {
    try {
      await single(client, w);
      outcomes.push('ok');
    } catch (err) {
      outcomes.push(outcome(err));
    }
  }
  return { outcomes, units: await units(client) };
}

/** The whole script as one `writeUnits` call (`POST /units` over HTTP); outcomes reported in order. */
async function runBatch(client: FleetClient): Promise<{ outcomes: string[]; units: string[] }> {
  const reported: string[] = [];
  const errors = await client.writeUnits(
    SCRIPT.map(([, w]) => w),
    (err, i) => reported.push(`${i} ${outcome(err)}`),
  );
  assert.deepEqual(reported, errors.map((e, i) => `${i} ${outcome(e)}`), 'onResult saw every outcome, in order');
  return { outcomes: errors.map(outcome), units: await units(client) };
}

/** Both drivers, each on an empty cluster of its own: over an API server (HTTP) and straight over a registry (etcd driver). */
async function drivers(t: TestContext): Promise<{ http: FleetClient; direct: FleetClient }> {
  const h = await startHarness();
  t.after(() => h.stop());
  const registry = createMemoryRegistry();
  t.after(() => registry.close());
  return { http: new HttpFleetClient({ endpoint: { kind: 'unix', socketPath: h.socket }, idleTimeoutMs: 5000 }), direct: new RegistryFleetClient(registry.api) };
}

test('the HTTP and etcd drivers give the same outcomes, template instances included', async (t) => {
  const { http, direct } = await drivers(t);
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

test('one batch of the same writes (POST /units over HTTP, runUnitBatch over the registry) gives the outcomes of one call each', async (t) => {
  const { http, direct } = await drivers(t);
  const overHttp = await runBatch(http);
  const overRegistry = await runBatch(direct);
  for (const [i, [name, , want]] of SCRIPT.entries()) {
    assert.equal(overHttp.outcomes[i], want, `http batch: ${name}`);
    assert.equal(overRegistry.outcomes[i], want, `etcd driver batch: ${name}`);
  }
  assert.deepEqual(overHttp.units, overRegistry.units);
  assert.deepEqual(overHttp.units, ['a.service loaded /bin/sleep %i', 'web@.service inactive /bin/sleep %i', 'web@1.service launched /bin/sleep %i', 'web@2.service loaded /bin/sleep %i']);
});

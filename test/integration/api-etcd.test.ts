/**
 * The API over the real etcd registry: a unit round trip, and 503 with
 * fleet's message while etcd is frozen, answered per request (the server
 * keeps running and recovers with etcd).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeLocalCommands } from '../../src/api/fake-local-commands.js';
import { startApiServer, type ApiServer } from '../../src/api/server.js';
import { createEtcdRegistry, type Registry } from '../../src/registry/index.js';
import { startEtcd, type TestEtcd } from '../../src/sandbox/etcd.js';
import { rawRequest } from '../unit/api/harness.js';

let etcd: TestEtcd | undefined;
let registry: Registry | undefined;
let api: ApiServer | undefined;
let dir: string;
let socket: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fleet-api-etcd-'));
  socket = join(dir, 'fleet.sock');
  etcd = await startEtcd();
  registry = createEtcdRegistry({ endpoints: etcd.endpoints, prefix: '/api-test/', requestTimeoutMs: 1000, dialTimeoutMs: 1000 });
  api = await startApiServer({ registry: registry.api, machineId: 'm1', commands: new FakeLocalCommands(), listen: { socket } });
});
after(async () => {
  await api?.close();
  await registry?.close();
  await etcd?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const put = (path: string, body: unknown) => rawRequest(socket, 'PUT', path, { body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } });

test('units round-trip through etcd', async () => {
  const options = [{ section: 'Service', name: 'ExecStart', value: '/bin/sleep 100' }];
  assert.equal((await put('/fleet/v1/units/e.service', { desiredState: 'launched', options })).status, 201);
  assert.equal((await put('/fleet/v1/units/e.service', { desiredState: 'loaded', options })).status, 204);
  const res = await rawRequest(socket, 'GET', '/fleet/v1/units');
  assert.deepEqual(res.json, { units: [{ currentState: 'inactive', desiredState: 'loaded', name: 'e.service', options }] });
  const patch = await rawRequest(socket, 'PATCH', '/fleet/v1/machines', { body: JSON.stringify([{ op: 'add', path: '/m1/metadata/a', value: { value: 'b' } }]) });
  assert.equal(patch.status, 204);
});

test('503 while etcd is frozen, per request; recovers afterwards', async () => {
  etcd!.pause();
  try {
    const res = await rawRequest(socket, 'GET', '/fleet/v1/units/e.service');
    assert.equal(res.status, 503);
    assert.deepEqual(res.json, { error: { code: 503, message: 'fleet server unable to communicate with etcd' } });
    assert.equal((await rawRequest(socket, 'GET', '/fleet/v1/discovery')).status, 200);
  } finally {
    etcd!.resume();
  }
  let status = 0;
  for (let i = 0; i < 50 && status !== 200; i++) {
    status = (await rawRequest(socket, 'GET', '/fleet/v1/units/e.service')).status;
    if (status !== 200) await new Promise((r) => setTimeout(r, 200));
  }
  assert.equal(status, 200);
});

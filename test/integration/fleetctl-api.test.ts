/**
 * The real fleetctl binary (`node dist/fleetctl-bundle/main.js`) against the real
 * API server on a unix socket, backed by the in-memory registry and a fake
 * engine/agent ticking in this process: checks the HTTP driver and the API
 * agree on the wire, and that exit codes reach the shell.
 */
import { runFleetctl, type FleetctlRun } from '../support/run-fleetctl.js';
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startApiServer, type ApiServer } from '../../src/api/server.js';
import { FakeLocalCommands } from '../../src/api/fake-local-commands.js';
import { FakeCluster, HELLO, M1, unitDir } from '../unit/fleetctl/support/cluster.js';


let cluster: FakeCluster;
let server: ApiServer;
let socket: string;
let ticker: NodeJS.Timeout;
const commands = new FakeLocalCommands('system', (argv) => (argv.includes('status') ? { output: ['● hello.service - Hello World\n'], exitCode: 3 } : {}));

before(async () => {
  cluster = new FakeCluster();
  await cluster.addMachine(M1, '172.17.8.101');
  socket = join(mkdtempSync(join(tmpdir(), 'fleetctl-api-')), 'fleet.sock');
  server = await startApiServer({ registry: cluster.registry.api, machineId: M1, listen: { socket }, commands });
  ticker = setInterval(() => void cluster.tick(), 20);
});

after(async () => {
  clearInterval(ticker);
  await server.close();
});

/** Runs the binary against this test's API socket. */
function fleetctl(...args: string[]): Promise<FleetctlRun> {
  return runFleetctl(['--endpoint', `unix://${socket}`, ...args]);
}

test('start, list, status, destroy through the API', async () => {
  const dir = unitDir({ 'hello.service': HELLO, 'web@.service': HELLO });
  assert.deepEqual(await fleetctl('start', join(dir, 'hello.service')), {
    code: 0,
    out: 'Unit hello.service inactive\nUnit hello.service launched on 113f16a7.../172.17.8.101\n',
    err: '',
  });
  assert.deepEqual(await fleetctl('list-units', '--no-legend'), { code: 0, out: 'hello.service\t113f16a7.../172.17.8.101\tactive\trunning\n', err: '' });
  assert.deepEqual(await fleetctl('status', 'hello'), { code: 3, out: '● hello.service - Hello World\n', err: '' });
  assert.deepEqual(await fleetctl('start', join(dir, 'web@.service')), {
    code: 1,
    out: 'Unit web@.service inactive\n',
    err: 'Error starting units: cannot activate template "web@.service"\n',
  });
  assert.deepEqual(await fleetctl('destroy', 'hello', 'web@.service'), { code: 0, out: 'Destroyed hello.service\nDestroyed web@.service\n', err: '' });
  assert.deepEqual(await fleetctl('list-unit-files', '--no-legend'), { code: 0, out: '', err: '' });
});

test('errors reach the shell as exit codes', async () => {
  assert.equal((await fleetctl('bogus')).code, 1);
  assert.equal((await fleetctl('list-units', '--bogus')).code, 1);
  assert.deepEqual(await fleetctl('stop', 'ghost'), { code: 1, out: '', err: 'Unit ghost.service not found\n' });
  assert.deepEqual(await fleetctl('stop', '--ignore-missing', 'ghost'), { code: 0, out: '', err: '' });
});

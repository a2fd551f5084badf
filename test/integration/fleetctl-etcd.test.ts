/**
 * The real fleetctl binary with `--driver etcd` against a real etcd: units
 * go straight into the registry, and the process exits promptly although
 * it held a gRPC channel.
 */
import { FLEETCTL_MAIN, runFleetctl, type FleetctlRun } from '../support/run-fleetctl.js';
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { startEtcd, type TestEtcd } from '../../src/sandbox/etcd.js';
import { HELLO, unitDir } from '../unit/fleetctl/support/cluster.js';

const MAIN = FLEETCTL_MAIN;
let etcd: TestEtcd;

before(async () => {
  etcd = await startEtcd();
});

after(async () => {
  await etcd.stop();
});

function fleetctl(...args: string[]): Promise<FleetctlRun> {
  return runFleetctl(['--driver', 'etcd', '--endpoint', etcd.endpoints.join(','), '--etcd-key-prefix', '/fleetctl-test/', ...args]);
}

test('submit, list, cat, destroy over etcd', async () => {
  const dir = unitDir({ 'hello.service': HELLO });
  assert.deepEqual(await fleetctl('submit', join(dir, 'hello.service')), { code: 0, out: 'Unit hello.service submitted\n', err: '' });
  const list = await fleetctl('list-unit-files', '--no-legend', '--fields=unit,dstate,state,target');
  assert.deepEqual(list, { code: 0, out: 'hello.service\tinactive\tinactive\t-\n', err: '' });
  assert.deepEqual(await fleetctl('cat', 'hello'), { code: 0, out: HELLO, err: '' });
  assert.deepEqual(await fleetctl('list-machines', '--no-legend'), { code: 0, out: '', err: '' });
  assert.deepEqual(await fleetctl('destroy', 'hello'), { code: 0, out: 'Destroyed hello.service\n', err: '' });
});

test('an unreachable etcd is an error, not a hang', async () => {
  const child = await new Promise<{ code: number | null; err: string }>((resolve) => {
    const p = spawn(process.execPath, [MAIN, '--driver', 'etcd', '--endpoint', 'http://127.0.0.1:1', '--request-timeout', '1', 'list-units'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const timer = setTimeout(() => p.kill('SIGKILL'), 20_000);
    p.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, err });
    });
  });
  assert.equal(child.code, 1);
  assert.match(child.err, /^Error retrieving list of units from repository: /);
});

/**
 * Hundreds of units through the real fleetctl binary on a sandbox cluster
 * (issue 10): every bulk command exits 0 and systemd on the hosts shows
 * every unit in the expected state; a spell of 503s from the API is ridden
 * out by retries.
 */
import { after, before } from 'node:test';
import { resetAfterFailure } from '../support/cluster-reset.js';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SandboxCluster } from '../../src/sandbox/cluster.js';
import { startFlakyApiProxy } from '../support/flaky-api-proxy.js';
import { runFleetctl, type FleetctlRun } from '../support/run-fleetctl.js';
import { waitFor } from '../support/wait.js';

const N = 300;
const names = Array.from({ length: N }, (_, i) => `bulk${String(i).padStart(3, '0')}.service`);

let c: SandboxCluster;
// A failing test resets the shared cluster, so the next one starts clean.
const test = resetAfterFailure(() => c);
let dir: string;

function fleetctl(endpoint: string, ...args: string[]): Promise<FleetctlRun> {
  return runFleetctl(['--endpoint', endpoint, ...args], { cwd: dir, timeoutMs: 240_000 });
}

/**
 * What systemd on every host says of each of our units: name -> `LoadState/ActiveState`
 * per host where systemd knows the unit (a unit unknown everywhere is absent).
 */
async function systemdStates(): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  for (const h of c.hosts) {
    let text = '';
    for (let i = 0; i < names.length; i += 50) {
      const r = await h.host.exec(['systemctl', '--user', 'show', '--property=Id,LoadState,ActiveState', ...names.slice(i, i + 50)], { timeoutMs: 60_000 });
      assert.equal(r.code, 0, r.stderr);
      text += `${r.stdout}\n\n`;
    }
    for (const block of text.split('\n\n')) {
      const props = Object.fromEntries(block.split('\n').filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
      if (props.Id === undefined || props.LoadState === 'not-found') continue;
      out.set(props.Id, [...(out.get(props.Id) ?? []), `${props.LoadState}/${props.ActiveState}`]);
    }
  }
  return out;
}

/** The units whose states differ from `expected` (for a readable assertion). */
function unexpected(states: Map<string, string[]>, expected: string[] | undefined): string[] {
  return names.filter((n) => JSON.stringify(states.get(n)) !== JSON.stringify(expected)).map((n) => `${n}: ${JSON.stringify(states.get(n))}`);
}

before(async () => {
  c = await SandboxCluster.start({ hosts: 3, label: 'fb' });
  await waitFor('machines registered', async () => (await c.registry.api.listMachines()).length === 3, 30_000);
  dir = mkdtempSync(join(tmpdir(), 'fleetctl-bulk-'));
  for (const n of names) writeFileSync(join(dir, n), '[Service]\nExecStart=/bin/sleep 100000\n');
});

after(async () => {
  await c?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test(`${N} units: start, stop, destroy through fleetctl; each exits 0 and systemd agrees`, async () => {
  const endpoint = `unix://${c.hosts[0]!.apiSocket}`;
  const start = await fleetctl(endpoint, '--request-timeout', '10', 'start', '--block-attempts=60', ...names);
  assert.equal(start.code, 0, start.err);
  assert.equal(start.out.split('\n').filter((l) => / launched on /.test(l)).length, N, start.out.slice(0, 500));
  let states = await systemdStates();
  assert.deepEqual(unexpected(states, ['loaded/active']), [], 'every unit active on exactly one host');

  const stop = await fleetctl(endpoint, '--request-timeout', '10', 'stop', '--block-attempts=60', ...names);
  assert.equal(stop.code, 0, stop.err);
  assert.equal(stop.err, `Successfully stopped units [${names.join(' ')}].\n`);
  states = await systemdStates();
  assert.deepEqual(unexpected(states, ['loaded/inactive']), [], 'every unit loaded and inactive on one host');

  const destroy = await fleetctl(endpoint, '--request-timeout', '10', 'destroy', '--block-attempts=60', ...names);
  assert.equal(destroy.code, 0, destroy.err);
  assert.equal(destroy.out, names.map((n) => `Destroyed ${n}\n`).join(''));
  states = await systemdStates();
  assert.deepEqual(unexpected(states, undefined), [], 'no unit left in systemd');
  assert.deepEqual(await c.registry.api.listUnits(), []);
  assert.deepEqual(await c.registry.api.listStates(), []);
});

test('the API answers 503 for a while: fleetctl retries within --request-timeout and succeeds', async (t) => {
  const proxy = await startFlakyApiProxy(c.hosts[1]!.apiSocket, true);
  t.after(() => proxy.close());
  writeFileSync(join(dir, 'flaky.service'), '[Service]\nExecStart=/bin/sleep 100000\n');
  const run = fleetctl(proxy.endpoint, '--request-timeout', '10', 'start', '--block-attempts=30', 'flaky.service');
  await waitFor('fleetctl refused a few times', () => proxy.refused >= 3, 20_000, 10);
  proxy.failing = false;
  const r = await run;
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^Unit flaky\.service inactive\nUnit flaky\.service launched on [0-9a-f]{8}\.\.\.\/127\.0\.0\.\d+\n$/);
  assert.ok(proxy.forwarded > 0);

  // Refused for longer than the budget: a clear message naming the cause, no hang.
  proxy.failing = true;
  const before = Date.now();
  const gone = await fleetctl(proxy.endpoint, '--request-timeout', '1', 'destroy', 'flaky.service');
  assert.equal(gone.code, 1);
  assert.match(gone.err, /^Error destroying units: fleet server unable to communicate with etcd \(gave up after \d+ attempts in \d\.\ds\)\n$/);
  assert.ok(Date.now() - before < 15_000, 'ends within its budget (plus start-up)');
});

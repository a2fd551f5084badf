import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseApiEndpoint } from '../../../fleetctl/client/endpoint.js';
import { HttpFleetClient } from '../../../fleetctl/client/http-client.js';
import { RegistryFleetClient } from '../../../fleetctl/client/registry-client.js';
import type { FleetClient } from '../../../fleetctl/client/types.js';
import { runCli } from '../../../fleetctl/cli/program.js';
import { bufferOutput } from '../../../fleetctl/output/io.js';
import { eventLine } from '../../../fleetctl/output/event-line.js';
import { SERVICE, startHarness, type Harness } from '../api/harness.js';

describe('fleetctl events', () => {
  let h: Harness;
  let start: bigint;
  before(async () => {
    h = await startHarness();
    start = (await h.registry.api.headRevision()) + 1n;
    await h.put('/fleet/v1/units/web.service', { desiredState: 'launched', options: SERVICE });
    await h.schedule({ machineId: 'm1', name: 'web.service', hash: 'h', targetState: 'launched' });
    await h.report({ name: 'web.service', machineId: 'm1', hash: 'h', activeState: 'failed', subState: 'failed' });
  });
  after(() => h.stop());

  const drivers: Array<[string, () => FleetClient]> = [
    ['api', () => new HttpFleetClient({ endpoint: parseApiEndpoint(`unix://${h.socket}`).endpoint, idleTimeoutMs: 2000 })],
    ['etcd', () => new RegistryFleetClient(h.registry.api)],
  ];
  const run = async (client: () => FleetClient, argv: string[]) => {
    const out = bufferOutput();
    const code = await runCli(argv, { out, env: {}, createClient: client });
    return { code, out: out.out(), err: out.err() };
  };

  for (const [driver, client] of drivers) {
    test(`${driver} driver: the history from --from, filtered, as text and as JSON`, async () => {
      const json = await run(client, ['events', '--from', String(start), '-o', 'json']);
      assert.equal(json.code, 0, json.err);
      const events = json.out.trim().split('\n').map((l) => JSON.parse(l));
      assert.deepEqual(events.map((e) => e.type), ['unit.submitted', 'unit.desired', 'unit.scheduled', 'unit.state', 'unit.failed']);
      const text = await run(client, ['events', '--from', String(start), '--type', 'unit.state,unit.failed', '--unit', 'web*', '--machine', 'm1']);
      assert.equal(text.code, 0, text.err);
      const lines = text.out.trim().split('\n');
      assert.equal(lines.length, 2);
      assert.match(lines[0]!, /^\S+Z  unit.state         web.service on m1: loaded\/failed\/failed$/);
      assert.match(lines[1]!, /^\S+Z  unit.failed        web.service on m1: failed$/);
    });

    test(`${driver} driver: bad filters and compacted revisions are errors naming them`, async () => {
      const bad = await run(client, ['events', '--type', 'nope']);
      assert.equal(bad.code, 1);
      assert.match(bad.err, /invalid type "nope": matches no event type/);
      const rev = await run(client, ['events', '--from', 'x']);
      assert.equal(rev.code, 1);
      assert.match(rev.err, /invalid revision "x"/);
    });
  }

  test('--follow prints new events until interrupted', async () => {
    for (const [, client] of drivers) {
      const out = bufferOutput();
      const ac = new AbortController();
      const done = runCli(['events', '--follow', '--unit', 'later.service'], { out, env: {}, createClient: client, signal: ac.signal });
      await new Promise((r) => setTimeout(r, 100));
      await h.put('/fleet/v1/units/later.service', { options: SERVICE });
      for (let i = 0; i < 100 && !out.out().includes('later.service'); i++) await new Promise((r) => setTimeout(r, 20));
      ac.abort();
      assert.equal(await done, 0);
      assert.match(out.out(), /unit.submitted     later.service \(/);
      await h.registry.api.destroyUnit('later.service');
    }
  });

  test('a compacted --from is a clear error with both drivers', async () => {
    await h.registry.kv.compact(await h.registry.api.headRevision());
    for (const [, client] of drivers) {
      const r = await run(client, ['events', '--from', '1']);
      assert.equal(r.code, 1);
      assert.match(r.err, /revision 1 was compacted/);
    }
  });
});

test('event lines: time, type, what happened', () => {
  const base = { revision: 1, time: '2026-01-01T00:00:00.000Z' };
  assert.equal(eventLine({ ...base, type: 'unit.scheduled', unit: 'a.service', machine: 'm1', hash: 'h', reason: 'placed' }), '2026-01-01T00:00:00.000Z  unit.scheduled     a.service on m1: placed');
  assert.equal(eventLine({ ...base, type: 'unit.replaced', unit: 'a.service', hash: 'bbbbbbbbb', previousHash: 'aaaaaaaaa' }), '2026-01-01T00:00:00.000Z  unit.replaced      a.service (aaaaaaa -> bbbbbbb)');
  assert.equal(eventLine({ ...base, type: 'machine.metadata', machine: 'm1', changed: { region: 'eu', gpu: null } }), '2026-01-01T00:00:00.000Z  machine.metadata   m1 region=eu -gpu');
  assert.equal(eventLine({ ...base, type: 'leader.changed', previous: 'm1' }), '2026-01-01T00:00:00.000Z  leader.changed     none (was m1)');
  assert.equal(eventLine({ ...base, type: 'anomaly.unit-flapping', unit: 'a.service', machine: 'm2', message: '5 restarts in 60s' }), '2026-01-01T00:00:00.000Z  anomaly.unit-flapping  a.service on m2: 5 restarts in 60s');
});

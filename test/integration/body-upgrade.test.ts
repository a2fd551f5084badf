/**
 * Upgrading a cluster whose etcd holds unit records of the format before
 * content-addressed bodies (text inline, no `version`), as an older fleet
 * left them: real etcd, real fleetd and systemd. The leader rewrites each
 * record to point at `bodies/<hash>`, agents run the units from the bodies,
 * and a later replace of one of them works as on a fresh cluster.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeDesired, encodeUnit } from '../../src/registry/index.js';
import { SandboxCluster } from '../../src/sandbox/cluster.js';
import { runningOn } from '../support/cluster-probes.js';
import { sleeper } from '../support/units.js';
import { waitFor } from '../support/wait.js';

let c: SandboxCluster;

before(async () => {
  c = await SandboxCluster.start({ hosts: 0, label: 'bu' });
});

after(async () => {
  await c?.stop();
});

test('format-1 unit records in etcd are upgraded by the leader and their units run from bodies/<hash>', async () => {
  const { kv, layout } = c.registry;
  const legacy = [sleeper('old1.service'), sleeper('old2.service'), sleeper('old3.service', 'Conflicts=nothing.service')];
  await kv.txn([], legacy.flatMap((u) => [
    { type: 'put' as const, key: layout.unit(u.name), value: JSON.stringify({ name: u.name, options: u.options, text: u.text, hash: u.hash }) },
    { type: 'put' as const, key: layout.desired(u.name), value: encodeDesired('launched') },
  ]));
  for (let i = 0; i < 2; i++) await c.addHost();
  await waitFor('2 machines registered', async () => (await c.registry.api.listMachines()).length === 2, 30_000);

  await waitFor('every record rewritten in the current format', async () => {
    for (const u of legacy) if ((await kv.get(layout.unit(u.name))).kv?.value !== encodeUnit(u)) return false;
    return true;
  }, 30_000);
  for (const u of legacy) assert.equal((await kv.get(layout.body(u.hash))).kv?.value, u.text, `body of ${u.name}`);
  for (const u of legacy) await waitFor(`${u.name} running`, async () => (await runningOn(c, u.name)).length === 1, 30_000);

  // A replace after the upgrade goes through bodies as on a fresh cluster.
  const next = sleeper('old1.service', 'Conflicts=other.service');
  await c.registry.api.replaceUnit(next);
  await waitFor('the replaced text runs', async () => (await c.registry.api.listStates({ names: ['old1.service'] })).some((s) => s.hash === next.hash && s.subState === 'running'), 30_000);
});

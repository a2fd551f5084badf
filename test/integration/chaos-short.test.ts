import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chaosTable, runChaos } from '../../bench/chaos/run.js';

// A short seeded chaos run (the long one is `npm run bench -- chaos`): 4
// hosts on a 3-member etcd, 40 units, one fault of each host- and
// etcd-level kind drawn in seeded order. Any violation fails: a launched unit
// not running exactly once after convergence, a global missing, registry and
// systemd disagreeing, or a unit on a host the fault did not touch restarted.
test('short chaos run: every fault converges with no violation', async () => {
  const lines: string[] = [];
  const results = await runChaos({
    seed: 17,
    faults: 4,
    hosts: 4,
    units: 40,
    etcdMembers: 3,
    agentTtlS: 5,
    kinds: ['fleetd-kill', 'fleetd-freeze', 'etcd-cut', 'etcd-member-kill'],
    log: (l) => lines.push(l),
  });
  const table = chaosTable(results, 5);
  const bad = results.flatMap((r) => r.violations.map((v) => `${r.kind}: ${v}`));
  assert.deepEqual(bad, [], `${lines.join('\n')}\n${table}`);
  assert.equal(results.length, 4);
  assert.ok(results.every((r) => r.convergeMs !== undefined), table);
});

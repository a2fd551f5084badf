import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { main } from '../../bench/api-flood.js';

// The flood benchmark at its smallest: a one-host cluster, three 2-second
// phases at a small rate limit (12/s, burst 5) flooded at 20x. It must run and
// report; the limit must hold and the well-behaved identity must get every
// answer. Timings are not asserted.
before(() => {
  process.env['FLEET_BENCH_RESULTS'] = '0';
});

test('api-flood runs its phases and the rate limit holds for the flooding identity only', async () => {
  const results = await main(['--seconds', '2', '--qps', '12', '--burst', '5', '--factor', '20', '--connections', '32', '--phases', 'idle,one-token,no-token']);
  assert.deepEqual(results.map((r) => r.phase), ['idle', 'one-token', 'no-token']);
  const [idle, oneToken, noToken] = results as [typeof results[0], typeof results[0], typeof results[0]];
  assert.deepEqual(idle.flood, {});
  assert.ok((oneToken.flood['429'] ?? 0) > 0, JSON.stringify(oneToken.flood));
  assert.ok((noToken.flood['401'] ?? 0) > 0 && noToken.flood['200'] === undefined, JSON.stringify(noToken.flood));
  for (const r of results) {
    assert.ok(r.worker.n > 0 && r.local.n > 0, r.phase);
    assert.equal(r.worker.notOk, 0, `${r.phase}: the worker identity was refused`);
    assert.equal(r.local.notOk, 0, `${r.phase}: the local socket was refused`);
    assert.ok(r.fleetdRssMaxBytes > 0 && r.leaseGrantedS > 0, r.phase);
  }
});

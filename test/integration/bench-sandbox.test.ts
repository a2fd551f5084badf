import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { main } from '../../bench/sandbox-scenarios.js';

// The sandbox benchmark at its smallest: one run of the quick scenarios on
// a real 3-host cluster. It must run and report; timings are not asserted.
before(() => {
  process.env['FLEET_BENCH_RESULTS'] = '0';
});

test('sandbox scenarios run once and report a figure each', async () => {
  const results = await main(['--runs', '1', '--scenarios', 'start-1,global']);
  assert.deepEqual(
    results.map((r) => [r.name, r.runs.length, r.error]),
    [
      ['start-1', 1, undefined],
      ['global', 1, undefined],
    ],
  );
  for (const r of results) assert.ok(r.median > 0);
});

import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { main as costPerUnit } from '../../bench/cost-per-unit.js';
import { main as etcdFloor } from '../../bench/etcd-floor.js';
import { main as scaleHollow } from '../../bench/scale-hollow.js';

// Each benchmark at tiny scale, end to end on a real etcd: it must run,
// converge and report. No timing is asserted (figures live in bench/).
before(() => {
  process.env['FLEET_BENCH_RESULTS'] = '0';
});

test('etcd-floor writes and reports every configuration', async () => {
  const r = await etcdFloor(['--puts', '40', '--configs', '1x1,8x2']);
  assert.deepEqual(
    r.map((x) => [x.opsPerTxn, x.concurrency, x.keys, x.txns]),
    [
      [1, 1, 40, 40],
      [8, 2, 40, 5],
    ],
  );
});

test('cost-per-unit: a started unit costs 4 keys written plus one per distinct body; an uninvolved host sees nothing', async () => {
  const phases = await costPerUnit(['--units', '6', '--hosts', '2', '--idle-seconds', '0.2']);
  const start = phases[0]!;
  assert.equal(start.api.writeOps, 13, 'unit + desired state per unit, plus one body per distinct text (the 6 units share one)');
  assert.equal(start.engine.writeOps, 6, 'one schedule entry per unit');
  assert.ok(start.agents.writeOps >= 6, 'every unit reports its state');
  for (const p of phases) {
    assert.equal(p.uninvolved.reads, 0, `${p.phase}: no reads on the uninvolved host`);
    assert.equal(p.uninvolved.watchEvents, 0, `${p.phase}: no events on the uninvolved host`);
  }
});

test('scale-hollow converges at 5 machines x 50 units and reports the steady state', async () => {
  const r = await scaleHollow(['--machines', '5', '--units', '50', '--children', '2', '--steady-seconds', '1', '--timeout-seconds', '60']);
  assert.equal(r.machines, 5);
  assert.equal(r.units, 50);
  assert.equal(r.steadyEtcd.keysWritten, 0, 'an idle cluster writes nothing');
  assert.ok(r.convergeUse.some((u) => u.name === 'engine'));
  assert.ok(Number.isFinite(r.convergedMs));
});

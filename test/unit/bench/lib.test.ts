import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BenchArgs } from '../../../bench/lib/args.js';
import { etcdActivity, parseMetrics, sumSeries } from '../../../bench/lib/etcd-metrics.js';
import { formatMs, median, table } from '../../../bench/lib/stats.js';
import { parseFloorConfig } from '../../../bench/etcd-floor.js';
import { hollowMachines, hollowWorkload } from '../../../bench/hollow/workload.js';

test('BenchArgs reads --flag value, --flag=value and bare flags', () => {
  const a = new BenchArgs(['--units', '50', '--machines=5', '--profile', '--scenarios', 'a,b']);
  assert.equal(a.number('units', 1), 50);
  assert.equal(a.number('machines', 1), 5);
  assert.equal(a.bool('profile', false), true);
  assert.deepEqual(a.list('scenarios', []), ['a', 'b']);
  assert.equal(a.number('missing', 7), 7);
  assert.throws(() => new BenchArgs(['--units', 'many']).number('units', 1), RangeError);
});

test('median, formatting and tables', () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 2, 3]), 2.5);
  assert.ok(Number.isNaN(median([])));
  assert.equal(formatMs(212.4), '212 ms');
  assert.equal(formatMs(4310), '4.31 s');
  assert.equal(table(['a', 'bb'], [['xyz', '1']]), 'a    bb\n---  --\nxyz  1');
});

test('etcd metrics: sums labelled series and diffs two readings', () => {
  const before = parseMetrics(
    [
      '# HELP x',
      'grpc_server_handled_total{grpc_code="OK",grpc_method="Txn",grpc_service="etcdserverpb.KV",grpc_type="unary"} 10',
      'grpc_server_handled_total{grpc_code="OK",grpc_method="Range",grpc_service="etcdserverpb.KV",grpc_type="unary"} 5',
      'etcd_mvcc_put_total 100',
      'etcd_debugging_mvcc_put_total 100',
      'etcd_server_proposals_committed_total 7',
    ].join('\n'),
  );
  const after = parseMetrics(
    [
      'grpc_server_handled_total{grpc_code="OK",grpc_method="Txn",grpc_service="etcdserverpb.KV",grpc_type="unary"} 30',
      'grpc_server_handled_total{grpc_code="OK",grpc_method="Range",grpc_service="etcdserverpb.KV",grpc_type="unary"} 5',
      'grpc_server_msg_received_total{grpc_method="LeaseKeepAlive",grpc_service="etcdserverpb.Lease",grpc_type="bidi_stream"} 4',
      'etcd_mvcc_put_total 140',
      'etcd_debugging_mvcc_put_total 140',
      'etcd_server_proposals_committed_total 27',
    ].join('\n'),
  );
  assert.equal(sumSeries(after, 'grpc_server_handled_total', { grpc_method: 'Txn' }), 30);
  const a = etcdActivity(before, after);
  assert.deepEqual(a.unary, { Txn: 20 });
  assert.deepEqual(a.streamMessages, { LeaseKeepAlive: 4 });
  assert.equal(a.requests, 24);
  assert.equal(a.keysWritten, 40, 'the 3.4 duplicate counter is not added twice');
  assert.equal(a.proposals, 20);
});

test('floor configs parse as <ops/txn>x<in flight>', () => {
  assert.deepEqual(parseFloorConfig('128x4'), { opsPerTxn: 128, concurrency: 4 });
  assert.throws(() => parseFloorConfig('128'), RangeError);
});

test('the hollow workload is deterministic, placeable and counts its schedule entries', () => {
  const machines = hollowMachines(6);
  assert.deepEqual(hollowMachines(6), machines);
  assert.equal(new Set(machines.map((m) => m.id)).size, 6);
  const w = hollowWorkload(60, machines);
  assert.equal(w.units.length, 60);
  assert.equal(new Set(w.units.map((u) => u.name)).size, 60);
  const eu = machines.filter((m) => m.metadata['region'] === 'eu').length;
  assert.equal(w.expectedEntries, 57 + 2 * 6 + eu);
  assert.ok((w.mix['template (Conflicts=web@*)'] ?? 0) <= 3, 'never more spread instances than machines can take');
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EtcdLeaseInvalidError, GRPCDeadlineExceededError, GRPCUnavailableError, ClientClosedError, GRPCInvalidArgumentError } from 'etcd3';
import { translateEtcdError } from '../../../src/registry/etcd-errors.js';
import { isRetryable, RegistryUnavailableError, UnitNotFoundError } from '../../../src/registry/errors.js';
import { ManualClock } from '../../../src/clock.js';
import { MemoryKv } from '../../../src/registry/memory-kv.js';
import { createRegistry } from '../../../src/registry/registry.js';
import { follow } from '../../../src/registry/watch.js';
import type { ClusterSnapshot } from '../../../src/registry/roles.js';
import type { RegistryEvent } from '../../../src/registry/events.js';

test('etcd client errors are translated once into typed registry errors', () => {
  const cases: Array<[unknown, string, boolean]> = [
    [new GRPCUnavailableError('14 UNAVAILABLE: No connection established'), 'REGISTRY_UNAVAILABLE', true],
    [new GRPCDeadlineExceededError('4 DEADLINE_EXCEEDED'), 'REGISTRY_UNAVAILABLE', true],
    [new Error('etcdserver: leader changed'), 'REGISTRY_UNAVAILABLE', true],
    [new EtcdLeaseInvalidError('123'), 'LEASE_LOST', false],
    [new ClientClosedError('KV'), 'REGISTRY_CLOSED', false],
    [new GRPCInvalidArgumentError('etcdserver: too many operations in txn request'), 'REGISTRY_INTERNAL', false],
  ];
  for (const [err, code, retryable] of cases) {
    const t = translateEtcdError(err, 'txn', '123');
    assert.equal(t.code, code, String(err));
    assert.equal(t.retryable, retryable, String(err));
    assert.equal(isRetryable(t), retryable);
  }
  const already = new UnitNotFoundError('a.service');
  assert.equal(translateEtcdError(already, 'txn'), already);
});

test('follow() retries a failed list with backoff and reports it as a warning', async () => {
  const clock = new ManualClock();
  const kv = new MemoryKv({ clock });
  const r = createRegistry(kv, { clock });
  kv.setReachable(false);
  const errors: string[] = [];
  const snaps: ClusterSnapshot[] = [];
  const sub = follow<ClusterSnapshot, RegistryEvent>(
    { list: () => r.engine.snapshot(), watch: (from, l) => r.engine.watchCluster(from, l) },
    { onSnapshot: (s) => snaps.push(s), onEvents: () => undefined, onError: (e) => errors.push(e.code) },
    { clock },
  );
  await clock.advance(1000);
  assert.ok(errors.length >= 3 && errors.every((c) => c === 'REGISTRY_UNAVAILABLE'), errors.join());
  assert.equal(snaps.length, 0);
  kv.setReachable(true);
  await clock.advance(2000);
  assert.equal(snaps.length, 1);
  await sub.close();
  assert.ok(new RegistryUnavailableError('x').retryable);
});

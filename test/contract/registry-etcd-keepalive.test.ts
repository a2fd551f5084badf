/**
 * EtcdKv's lease keepalives on a real etcd: every lease of one client is
 * refreshed over a single LeaseKeepAlive stream (counted by etcd itself),
 * and losing etcd gives retryable errors, then keepalives work again on a
 * new stream once it is back. The in-memory twin has no streams, so this is
 * etcd-only; the keepalive contract itself is in registry.test.ts.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { EtcdKv } from '../../src/registry/etcd-kv.js';
import { RegistryError } from '../../src/registry/errors.js';
import { startEtcd, type TestEtcd } from '../../src/sandbox/etcd.js';

/** etcd's count of LeaseKeepAlive streams opened since it started. */
async function keepAliveStreamsStarted(etcd: TestEtcd): Promise<number> {
  const text = await (await fetch(`${etcd.endpoints[0]}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith('grpc_server_started_total{') && l.includes('grpc_method="LeaseKeepAlive"'));
  return line ? Number(line.split(' ').pop()) : 0;
}

describe('etcd lease keepalives share one stream per client', () => {
  let etcd: TestEtcd | undefined;
  before(async () => {
    etcd = await startEtcd();
  });
  after(async () => {
    await etcd?.stop();
  });

  test('50 leases, 3 rounds of concurrent keepalives: one stream, every answer for the right lease', async () => {
    const kv = new EtcdKv({ endpoints: etcd!.endpoints });
    try {
      const before = await keepAliveStreamsStarted(etcd!);
      const ttls = Array.from({ length: 50 }, (_, i) => 5 + i);
      const leases = await Promise.all(ttls.map((ttl) => kv.grantLease(ttl)));
      for (let round = 0; round < 3; round++) {
        const got = await Promise.all(leases.map((l) => kv.keepAlive(l.id)));
        assert.deepEqual(got, ttls, 'each caller gets its own lease TTL');
      }
      assert.equal((await keepAliveStreamsStarted(etcd!)) - before, 1);
      await kv.revokeLease(leases[0]!.id);
      assert.equal(await kv.keepAlive(leases[0]!.id), 0, 'a revoked lease answers TTL 0');
      await Promise.all(leases.slice(1).map((l) => kv.revokeLease(l.id)));
    } finally {
      await kv.close();
    }
  });

  test('etcd down: keepalives fail retryably; back up: they succeed again on a new stream', async () => {
    const kv = new EtcdKv({ endpoints: etcd!.endpoints, requestTimeoutMs: 2000 });
    try {
      const lease = await kv.grantLease(30);
      assert.equal(await kv.keepAlive(lease.id), 30);
      await etcd!.kill();
      const err = await kv.keepAlive(lease.id).then(
        () => assert.fail('keepAlive succeeded with etcd down'),
        (e: unknown) => e,
      );
      assert.ok(err instanceof RegistryError && err.retryable, `retryable error expected, got ${String(err)}`);
      await etcd!.restart();
      const before = await keepAliveStreamsStarted(etcd!);
      let ttl = -1;
      for (let i = 0; i < 50 && ttl < 0; i++) {
        ttl = await kv.keepAlive(lease.id).catch((e: unknown) => {
          assert.ok(e instanceof RegistryError && e.retryable, `only retryable errors while reconnecting, got ${String(e)}`);
          return new Promise<number>((r) => setTimeout(() => r(-1), 200));
        });
      }
      assert.equal(ttl, 30, 'the lease survived the restart and is refreshed again');
      assert.equal(await kv.keepAlive(lease.id), 30);
      assert.equal((await keepAliveStreamsStarted(etcd!)) - before, 1, 'one new stream after the restart');
    } finally {
      await kv.close();
    }
  });
});

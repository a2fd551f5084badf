/**
 * Lease, presence and election behaviour under outages, on the in-memory
 * backend with a manual clock (the same code runs on etcd; see
 * test/integration/election.test.ts for the real-process version).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../../src/clock.js';
import { RegistryUnavailableError, NotLeaderError, type RegistryError } from '../../../src/registry/errors.js';
import type { KvBackend, KvWatchListener, KvWatchOptions, Subscription, TxnOp, Compare } from '../../../src/registry/kv.js';
import { LeaseKeeper } from '../../../src/registry/lease.js';
import { MemoryKv } from '../../../src/registry/memory-kv.js';
import { createRegistry } from '../../../src/registry/registry.js';
import type { LeaderElection } from '../../../src/registry/roles.js';

/** One client's view of a shared store, which the test can cut off (a network partition of that client only). */
class PartitionableKv implements KvBackend {
  partitioned = false;
  constructor(private readonly inner: KvBackend) {}
  private check(op: string): void {
    if (this.partitioned) throw new RegistryUnavailableError(op);
  }
  async get(key: string) { this.check('get'); return this.inner.get(key); }
  async list(prefix: string) { this.check('list'); return this.inner.list(prefix); }
  async txn(c: readonly Compare[], s: readonly TxnOp[], f?: readonly TxnOp[]) { this.check('txn'); return this.inner.txn(c, s, f); }
  watch(prefix: string, from: bigint, l: KvWatchListener, o?: KvWatchOptions): Subscription { return this.inner.watch(prefix, from, l, o); }
  async grantLease(ttl: number) { this.check('grantLease'); return this.inner.grantLease(ttl); }
  async keepAlive(id: string) { this.check('keepAlive'); return this.inner.keepAlive(id); }
  async revokeLease(id: string) { this.check('revokeLease'); return this.inner.revokeLease(id); }
  async compact(rev: bigint) { return this.inner.compact(rev); }
  async close() {}
}

test('lease keeper: an outage shorter than the TTL is only a warning; a longer one is unconfirmed, then lost and re-granted', async () => {
  const clock = new ManualClock();
  const kv = new MemoryKv({ clock });
  const keeper = new LeaseKeeper(kv, { ttlSeconds: 3, clock });
  const log: string[] = [];
  keeper.on('keepaliveFailed', (e: RegistryError) => log.push(`failed:${e.code}`));
  keeper.on('unconfirmed', () => log.push(`unconfirmed@${clock.now()}`));
  keeper.on('lost', () => log.push(`lost@${clock.now()}`));
  keeper.on('granted', (_id, again) => log.push(`granted:${again}@${clock.now()}`));
  const first = await keeper.start();
  assert.deepEqual(log, ['granted:false@0']);

  await clock.advance(5000); // keepalives at 1 s intervals
  kv.setReachable(false);
  await clock.advance(1500);
  kv.setReachable(true);
  await clock.advance(2000);
  assert.ok(log.includes('failed:REGISTRY_UNAVAILABLE'));
  assert.ok(!log.some((l) => l.startsWith('unconfirmed') || l.startsWith('lost')), log.join());
  assert.equal(keeper.leaseId, first);
  assert.ok(keeper.isConfirmed());

  log.length = 0;
  const lastConfirmed = keeper.confirmedUntil;
  kv.setReachable(false);
  await clock.advance(4000);
  assert.ok(log.includes(`unconfirmed@${lastConfirmed}`), `step down exactly at last confirmation + TTL: ${log.join()}`);
  assert.equal(keeper.isConfirmed(), false);
  kv.setReachable(true);
  await clock.advance(2000);
  assert.ok(log.some((l) => l.startsWith('lost@')));
  assert.ok(log.some((l) => l.startsWith('granted:true')));
  assert.notEqual(keeper.leaseId, first);
  await keeper.stop({ revoke: true });
  assert.equal(clock.pendingTimers(), 0);
});

test('presence: a brief outage withdraws nothing; after the lease expired, the record is re-put and reregistered fires', async () => {
  const clock = new ManualClock();
  const kv = new MemoryKv({ clock });
  const r = createRegistry(kv, { clock });
  const p = await r.agent.announce({ id: 'm1', publicIP: '', metadata: {}, version: '', capabilities: {} }, { ttlSeconds: 3 });
  const events: string[] = [];
  p.on('reregistered', () => events.push('reregistered'));
  p.on('lost', () => events.push('lost'));

  kv.setReachable(false);
  await clock.advance(2000);
  kv.setReachable(true);
  await clock.advance(100);
  assert.deepEqual((await r.api.listMachines()).map((m) => m.id), ['m1']);
  assert.deepEqual(events, []);

  kv.setReachable(false);
  await clock.advance(10_000); // the server-side lease expires meanwhile
  kv.setReachable(true);
  assert.deepEqual(await r.api.listMachines(), [], 'the record went with the lease');
  await clock.advance(3000);
  assert.deepEqual(events, ['lost', 'reregistered']);
  assert.deepEqual((await r.api.listMachines()).map((m) => m.id), ['m1']);
  await p.stop();
  assert.deepEqual(await r.api.listMachines(), []);
});

test('election: a partitioned leader steps down by its own deadline, never overlapping the next leader, and its fence is dead', async () => {
  const clock = new ManualClock();
  const kv = new MemoryKv({ clock });
  const aKv = new PartitionableKv(kv);
  const a = createRegistry(aKv, { clock }).election({ machineId: 'ma', ttlSeconds: 3 });
  const rb = createRegistry(kv, { clock });
  const b = rb.election({ machineId: 'mb', ttlSeconds: 3 });
  await a.start();
  await b.start();
  assert.ok(a.isLeader);
  assert.ok(!b.isLeader);
  assert.equal(b.currentLeader(), 'ma');
  const oldFence = a.fence()!;
  const deposed: string[] = [];
  a.on('deposed', (why) => deposed.push(`${why}@${clock.now()}`));

  aKv.partitioned = true;
  let bElectedAt = -1;
  b.on('elected', () => (bElectedAt = clock.now()));
  for (let t = 0; t < 8000; t += 50) {
    await clock.advance(50);
    assert.ok(!(a.isLeader && b.isLeader), `two leaders at ${clock.now()}`);
  }
  assert.ok(bElectedAt > 0, 'b took over');
  assert.equal(deposed.length, 1, deposed.join());
  assert.ok(!a.isLeader);
  assert.equal(a.fence(), undefined);

  aKv.partitioned = false;
  await assert.rejects(
    createRegistry(aKv, { clock }).engine.applySchedule([{ type: 'put', entry: { machineId: 'm1', name: 'x.service', hash: 'h', targetState: 'launched' } }], oldFence),
    NotLeaderError,
  );
  assert.deepEqual(await rb.api.listSchedule(), []);
  await clock.advance(2000);
  assert.ok(b.isLeader && !a.isLeader, 'the old leader campaigns again but b keeps the key');
  await a.stop();
  await b.stop();
});

/** A client whose watch events arrive `delayMs` late, as etcd delivers them to a watch that started behind the head. */
class LateWatchKv extends PartitionableKv {
  constructor(inner: KvBackend, private readonly clock: ManualClock, private readonly delayMs: number) {
    super(inner);
  }
  override watch(prefix: string, from: bigint, l: KvWatchListener, o?: KvWatchOptions): Subscription {
    return super.watch(prefix, from, { ...l, onEvents: (evs) => void this.clock.setTimeout(() => l.onEvents(evs), this.delayMs) }, o);
  }
}

/** A store on a manual clock with candidate `ma` leading (TTL 4 s); `revoke()` revokes the leader's lease, as an operator forcing a failover would. */
async function leaderOnManualClock(): Promise<{ clock: ManualClock; kv: MemoryKv; a: LeaderElection; revoke: () => Promise<void> }> {
  const clock = new ManualClock();
  const kv = new MemoryKv({ clock });
  const a = createRegistry(kv, { clock }).election({ machineId: 'ma', ttlSeconds: 4 });
  await a.start();
  assert.ok(a.isLeader);
  const revoke = async () => {
    const { kv: key } = await kv.get('/fleet/engine/leader');
    await kv.revokeLease(key!.lease);
  };
  return { clock, kv, a, revoke };
}

test('election: a leader whose lease is revoked holds off before campaigning again, so a candidate that hears of it late still takes over', async () => {
  const { clock, kv, a, revoke } = await leaderOnManualClock();
  const b = createRegistry(new LateWatchKv(kv, clock, 100), { clock }).election({ machineId: 'mb', ttlSeconds: 4 });
  await b.start();
  assert.ok(a.isLeader && !b.isLeader);
  await revoke();
  await clock.advance(50);
  assert.ok(!a.isLeader, 'the old leader saw its key go');
  await clock.advance(100);
  assert.ok(b.isLeader, 'the other candidate took over once it heard');
  await clock.advance(5000);
  assert.ok(b.isLeader && !a.isLeader, 'and keeps the key');
  assert.equal(a.currentLeader(), 'mb');
  await a.stop();
  await b.stop();
});

test('election: a lone candidate whose lease is revoked leads again after the holdoff (half the TTL, at most 1 s)', async () => {
  const { clock, a, revoke } = await leaderOnManualClock();
  await revoke();
  await clock.advance(990);
  assert.ok(!a.isLeader, 'still holding off');
  await clock.advance(20);
  assert.ok(a.isLeader, 'campaigned again after 1 s');
  await a.stop();
  assert.equal(clock.pendingTimers(), 0);
});

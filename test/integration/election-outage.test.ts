/**
 * What a frozen etcd (SIGSTOP) does to leases, presence, the leader and
 * watches. A pause shorter than the TTL must change nothing anyone acts on;
 * a longer one makes the leader stop acting by its own deadline, and when
 * etcd is back the agent re-registers (new lease) and watches resume.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createEtcdRegistry } from '../../src/registry/etcd-registry.js';
import type { Registry } from '../../src/registry/registry.js';
import type { RegistryEvent } from '../../src/registry/events.js';
import type { ClusterSnapshot } from '../../src/registry/roles.js';
import { follow } from '../../src/registry/watch.js';
import { startEtcd, type TestEtcd } from '../../src/sandbox/etcd.js';

const TTL = 3;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const start = Date.now();
  while (!(await check())) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(20);
  }
}

describe('etcd outages', () => {
  let etcd: TestEtcd | undefined;
  let registry: Registry | undefined;

  before(async () => {
    etcd = await startEtcd();
    registry = createEtcdRegistry({ endpoints: etcd.endpoints, prefix: '/outage/', requestTimeoutMs: 1000, keepaliveTimeMs: 1000, keepaliveTimeoutMs: 1000 });
  });
  after(async () => {
    etcd?.resume();
    await registry?.close();
    await etcd?.stop();
  });

  test('short pause: nothing lost, leader keeps leading; long pause: leader steps down, agent re-registers, watch resumes', async () => {
    const r = registry!;
    const presence = await r.agent.announce({ id: 'm1', publicIP: '', metadata: {}, version: '', capabilities: {} }, { ttlSeconds: TTL });
    const election = r.election({ machineId: 'm1', ttlSeconds: TTL });
    await election.start();
    await waitFor(() => election.isLeader, 2000, 'leadership');
    const log: string[] = [];
    presence.on('keepaliveFailed', () => log.push('warn'));
    presence.on('reregistered', () => log.push('reregistered'));
    election.on('deposed', (why) => log.push(`deposed:${why}`));
    election.on('elected', () => log.push('elected'));
    const events: RegistryEvent[] = [];
    const snaps: ClusterSnapshot[] = [];
    const sub = follow<ClusterSnapshot, RegistryEvent>(
      { list: () => r.engine.snapshot(), watch: (from, l) => r.engine.watchCluster(from, l) },
      { onSnapshot: (s) => snaps.push(s), onEvents: (e) => events.push(...e) },
    );
    try {
      await waitFor(() => snaps.length === 1, 2000, 'first snapshot');

      etcd!.pause();
      await sleep(1200);
      etcd!.resume();
      await sleep(1500);
      assert.ok(election.isLeader, `still leading after a short pause: ${log.join()}`);
      assert.ok(!log.some((l) => l.startsWith('deposed') || l === 'reregistered'), log.join());
      assert.deepEqual((await r.api.listMachines()).map((m) => m.id), ['m1']);

      etcd!.pause();
      await sleep((TTL + 1) * 1000);
      assert.equal(election.isLeader, false, 'a leader that cannot confirm its lease stops acting while etcd is still frozen');
      assert.ok(log.some((l) => l.startsWith('deposed')), log.join());
      etcd!.resume();

      await waitFor(() => log.includes('reregistered'), 10_000, 're-registration');
      await waitFor(async () => (await r.api.listMachines()).length === 1, 5000, 'machine back');
      await waitFor(() => election.isLeader, 10_000, 'leadership again');
      await r.api.createUnit({ name: 'after.service', options: [], text: '', hash: 'h' });
      await waitFor(() => events.some((e) => e.kind === 'unit' && e.name === 'after.service'), 5000, 'the watch to deliver a change made after the outage');
      assert.ok(events.some((e) => e.kind === 'machine' && e.machine === undefined), 'the watch saw the machine expire');
    } finally {
      await sub.close();
      await election.stop();
      await presence.stop();
    }
  });
});

/**
 * Engine-leader election against a real etcd: one leader among several,
 * prompt failover, and the fencing guarantee with a leader process frozen by
 * SIGSTOP. Timing bounds are the ones the issue asks for (failover within
 * TTL + 1 s), with nothing tighter.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createEtcdRegistry } from '../../src/registry/etcd-registry.js';
import type { Registry } from '../../src/registry/registry.js';
import type { LeaderElection } from '../../src/registry/roles.js';
import { startEtcd, type TestEtcd } from '../../src/sandbox/etcd.js';

const TTL = 2;
let seq = 0;

async function waitFor(check: () => boolean, timeoutMs: number, what: string): Promise<number> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
  return Date.now() - start;
}

describe('engine leader election on etcd', () => {
  let etcd: TestEtcd | undefined;
  const registries: Registry[] = [];
  const elections: LeaderElection[] = [];
  const children: ChildProcess[] = [];

  before(async () => {
    etcd = await startEtcd();
  });
  after(async () => {
    for (const c of children) {
      if (c.exitCode === null && c.signalCode === null && c.pid !== undefined) {
        try {
          process.kill(c.pid, 'SIGCONT');
          process.kill(c.pid, 'SIGKILL');
        } catch {
          /* gone */
        }
      }
    }
    await Promise.allSettled(elections.map((e) => e.stop()));
    await Promise.allSettled(registries.map((r) => r.close()));
    await etcd?.stop();
  });

  function candidates(n: number, prefix: string): { registry: Registry; election: LeaderElection }[] {
    return Array.from({ length: n }, (_, i) => {
      const registry = createEtcdRegistry({ endpoints: etcd!.endpoints, prefix, requestTimeoutMs: 2000 });
      const election = registry.election({ machineId: `m${i + 1}`, ttlSeconds: TTL });
      registries.push(registry);
      elections.push(election);
      return { registry, election };
    });
  }

  test('exactly one leader among three candidates, and every candidate agrees who it is', async () => {
    const cs = candidates(3, `/e${++seq}/`);
    await Promise.all(cs.map((c) => c.election.start()));
    await waitFor(() => cs.filter((c) => c.election.isLeader).length === 1, 2000, 'a leader');
    await new Promise((r) => setTimeout(r, 500));
    const leaders = cs.filter((c) => c.election.isLeader);
    assert.equal(leaders.length, 1);
    const id = leaders[0]!.election.fence()!.machineId;
    for (const c of cs) assert.equal(c.election.currentLeader(), id);
  });

  test('failover within TTL + 1 s when the leader lease is revoked', async () => {
    const prefix = `/e${++seq}/`;
    const cs = candidates(3, prefix);
    await Promise.all(cs.map((c) => c.election.start()));
    await waitFor(() => cs.some((c) => c.election.isLeader), 2000, 'a leader');
    const old = cs.find((c) => c.election.isLeader)!;
    let deposedAt = 0;
    old.election.on('deposed', () => (deposedAt = Date.now()));
    const { kv } = await cs[0]!.registry.kv.get(`${prefix}engine/leader`);
    const revokedAt = Date.now();
    await cs[0]!.registry.kv.revokeLease(kv!.lease);
    const took = await waitFor(() => cs.some((c) => c !== old && c.election.isLeader), (TTL + 1) * 1000, 'a new leader');
    assert.ok(took <= (TTL + 1) * 1000);
    await waitFor(() => deposedAt > 0, TTL * 1000, 'the old leader to notice');
    assert.ok(deposedAt - revokedAt <= TTL * 1000);
    assert.equal(cs.filter((c) => c.election.isLeader).length, 1);
  });

  test("failover within TTL + 1 s when the leader's client dies abruptly (no resign, no revoke)", async () => {
    const cs = candidates(3, `/e${++seq}/`);
    await Promise.all(cs.map((c) => c.election.start()));
    await waitFor(() => cs.some((c) => c.election.isLeader), 2000, 'a leader');
    const old = cs.find((c) => c.election.isLeader)!;
    const closedAt = Date.now();
    await old.registry.close();
    await waitFor(() => cs.some((c) => c !== old && c.election.isLeader), (TTL + 1) * 1000, 'a new leader');
    assert.ok(Date.now() - closedAt <= (TTL + 1) * 1000);
  });

  test('fencing: a frozen leader that wakes up after being replaced cannot write anything', async () => {
    const prefix = `/e${++seq}/`;
    const script = fileURLToPath(new URL('../support/etcd-election-child.js', import.meta.url));
    const child = spawn(process.execPath, [script, etcd!.endpoints[0]!, prefix, 'frozen', String(TTL)], { stdio: ['ignore', 'pipe', 'inherit'] });
    children.push(child);
    const lines: string[] = [];
    createInterface({ input: child.stdout! }).on('line', (l) => lines.push(l));
    await waitFor(() => lines.some((l) => l.startsWith('ELECTED')), 5000, 'the child to lead');
    await waitFor(() => lines.some((l) => / ok$/.test(l)), 2000, 'the child to write');

    const [b] = candidates(1, prefix);
    await b!.election.start();
    assert.equal(b!.election.isLeader, false);
    assert.equal(b!.election.currentLeader(), 'frozen');

    process.kill(child.pid!, 'SIGSTOP');
    const stoppedAt = Date.now();
    const before = lines.length;
    await waitFor(() => b!.election.isLeader, (TTL + 2) * 1000, 'the replacement leader');
    assert.ok(Date.now() - stoppedAt >= TTL * 1000 - 600, 'the frozen leader held its lease for about a TTL');
    const frozenData = (await b!.registry.kv.list(`${prefix}schedule/`)).kvs;

    process.kill(child.pid!, 'SIGCONT');
    await waitFor(() => lines.slice(before).filter((l) => l.startsWith('WRITE')).length >= 5, 5000, 'the woken leader to try writing');
    const after = lines.slice(before).filter((l) => l.startsWith('WRITE'));
    // Writes already in flight when frozen may have landed before the new election; none after it.
    const landed = (await b!.registry.kv.list(`${prefix}schedule/`)).kvs;
    assert.deepEqual(landed, frozenData, 'no write of the old leader landed after the new leader was elected');
    assert.ok(after.every((l) => !/ ok$/.test(l)), `old leader writes must fail: ${after.join(' | ')}`);
    assert.ok(after.some((l) => / NOT_LEADER$/.test(l)), after.join(' | '));
    assert.ok(lines.some((l) => l.startsWith('DEPOSED')), 'the old leader noticed its demotion');
    assert.ok(b!.election.isLeader);
    process.kill(child.pid!, 'SIGKILL');
  });
});

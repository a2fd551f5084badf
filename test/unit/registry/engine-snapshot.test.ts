/**
 * The engine snapshot reads only what placement depends on: through
 * `listPrefixes` when the backend has it (one read at one revision, unit
 * states never read), and the same result through a backend without it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../../src/clock.js';
import type { KeyValue, KvBackend } from '../../../src/registry/kv.js';
import { MemoryKv } from '../../../src/registry/memory-kv.js';
import { createRegistry } from '../../../src/registry/registry.js';

/** Forwards to a MemoryKv and records which prefixes were read; `listPrefixes` only when `multi`. */
function recordingKv(inner: MemoryKv, multi: boolean): { kv: KvBackend; reads: string[] } {
  const reads: string[] = [];
  const kv: KvBackend = {
    get: (k) => inner.get(k),
    list: async (p) => {
      reads.push(p);
      return inner.list(p);
    },
    txn: (c, s, f) => inner.txn(c, s, f),
    watch: (p, r, l) => inner.watch(p, r, l),
    grantLease: (t) => inner.grantLease(t),
    keepAlive: (id) => inner.keepAlive(id),
    revokeLease: (id) => inner.revokeLease(id),
    compact: (r) => inner.compact(r),
    close: () => inner.close(),
    ...(multi
      ? {
          listPrefixes: async (ps: readonly string[]): Promise<{ lists: KeyValue[][]; revision: bigint }> => {
            reads.push(...ps);
            return inner.listPrefixes(ps);
          },
        }
      : {}),
  };
  return { kv, reads };
}

test('engine snapshot: states are never read with listPrefixes, and the fallback gives the same snapshot', async () => {
  const clock = new ManualClock();
  const mem = new MemoryKv({ clock });
  const seed = createRegistry(mem);
  const unit = (name: string) => ({ name, options: [], text: '', hash: 'h' });
  await seed.api.createUnit(unit('b.service'), 'launched');
  await seed.api.createUnit(unit('a.service'));
  const p = await seed.agent.announce({ id: 'm1', publicIP: '', metadata: { r: 'eu' }, version: '1', capabilities: {} }, { ttlSeconds: 10 });
  await seed.api.setMachineMetadata('m1', 'disk', 'ssd');
  await seed.agent.publishStates(p, [{ name: 'a.service', machineId: 'm1', loadState: 'loaded', activeState: 'active', subState: 'running', hash: 'h', timestamp: 1 }]);

  const multi = recordingKv(mem, true);
  const single = recordingKv(mem, false);
  const a = await createRegistry(multi.kv).engine.snapshot();
  const b = await createRegistry(single.kv).engine.snapshot();
  assert.deepEqual(a, b);
  assert.deepEqual(a.units.map((u) => u.name), ['a.service', 'b.service']);
  assert.deepEqual([...a.desired], [['a.service', 'inactive'], ['b.service', 'launched']]);
  assert.deepEqual(a.machines.map((m) => m.id), ['m1']);
  assert.deepEqual([...a.machineMetadata.get('m1')!], [['disk', 'ssd']]);
  assert.ok(multi.reads.every((r) => !r.includes('/state/')), `read ${multi.reads.join(', ')}`);
  assert.deepEqual(single.reads, ['/fleet/']);
  await p.stop();
  await mem.close();
});

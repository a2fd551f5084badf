/**
 * Bulk unit writes (`writeUnits`, `getUnits`, and the batch shell
 * `runUnitBatch` the API's `POST /units` runs) against the in-memory twin
 * and a real etcd: every write keeps its one-unit meaning and error, and
 * many writes take few transactions (counted, so a batch that etcd refused
 * and that silently fell back to one transaction per unit fails the test).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRegistry, type Registry } from '../../src/registry/registry.js';
import { MemoryKv } from '../../src/registry/memory-kv.js';
import { EtcdKv } from '../../src/registry/etcd-kv.js';
import type { KvBackend } from '../../src/registry/kv.js';
import { RegistryUnavailableError, UnitExistsError, UnitNotFoundError } from '../../src/registry/errors.js';
import { runUnitBatch } from '../../src/registry/unit-put.js';
import { chunkWrites } from '../../src/registry/unit-writes.js';
import type { UnitWrite } from '../../src/registry/roles.js';
import type { UnitWithText } from '../../src/registry/records.js';
import { UnitPutRejectedError } from '../../src/units/index.js';
import { describeOnEtcd } from '../support/registry-backends.js';

const TEXT = '[Service]\nExecStart=/bin/sleep 1000\n';
const OPTIONS = [{ section: 'Service', name: 'ExecStart', value: '/bin/sleep 1000' }];
const unit = (name: string, hash = 'shared'): UnitWithText => ({ name, options: OPTIONS, text: `${TEXT}# ${hash}\n`, hash });
const names = (n: number, prefix = 'u'): string[] => Array.from({ length: n }, (_, i) => `${prefix}${i}.service`);

/** Counts transactions on `kv`. */
function counting(kv: KvBackend): { kv: KvBackend; txns: () => number } {
  let txns = 0;
  const wrapped = new Proxy(kv, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver) as unknown;
      if (prop === 'txn' && typeof v === 'function') return (...a: unknown[]) => (txns++, (v as (...x: unknown[]) => unknown).apply(target, a));
      return typeof v === 'function' ? (v as (...x: unknown[]) => unknown).bind(target) : v;
    },
  });
  return { kv: wrapped, txns: () => txns };
}

let seq = 0;
function contract(backend: string, makeKv: () => KvBackend): void {
  const fresh = (): { registry: Registry; txns: () => number } => {
    const c = counting(makeKv());
    return { registry: createRegistry(c.kv, { prefix: `/uw${++seq}/` }), txns: c.txns };
  };

  test(`${backend}: 300 creates sharing one body take a few transactions; each unit, its desired state and the body are stored`, async () => {
    const { registry, txns } = fresh();
    const all = names(300);
    const before = txns();
    const outcomes = await registry.api.writeUnits(all.map((n) => ({ kind: 'create', unit: unit(n), desired: 'launched' })));
    assert.deepEqual(outcomes, all.map(() => undefined));
    assert.ok(txns() - before <= 20, `300 creates in ${txns() - before} transactions`);
    const stored = await registry.api.getUnits(all);
    assert.deepEqual(stored.map((u) => [u?.unit.name, u?.desired]), all.map((n) => [n, 'launched']));
    await registry.close();
  });

  test(`${backend}: a failed precondition costs only its own write: existing -> UnitExistsError, missing -> UnitNotFoundError, the rest done`, async () => {
    const { registry } = fresh();
    await registry.api.createUnit(unit('taken.service'), 'loaded');
    const writes: UnitWrite[] = [
      { kind: 'create', unit: unit('a.service'), desired: 'launched' },
      { kind: 'create', unit: unit('taken.service'), desired: 'launched' },
      { kind: 'setDesired', name: 'ghost.service', desired: 'launched' },
      { kind: 'destroy', name: 'nobody.service' },
      { kind: 'setDesired', name: 'taken.service', desired: 'inactive' },
      { kind: 'replace', unit: unit('b.service', 'other') },
    ];
    const outcomes = await registry.api.writeUnits(writes);
    assert.equal(outcomes[0], undefined);
    assert.ok(outcomes[1] instanceof UnitExistsError);
    assert.ok(outcomes[2] instanceof UnitNotFoundError);
    assert.ok(outcomes[3] instanceof UnitNotFoundError);
    assert.equal(outcomes[4], undefined);
    assert.equal(outcomes[5], undefined);
    const [a, taken, b] = await registry.api.getUnits(['a.service', 'taken.service', 'b.service']);
    assert.equal(a?.desired, 'launched');
    assert.equal(taken?.desired, 'inactive');
    assert.equal(b?.desired, 'inactive', 'a brand-new unit from a replace without desired state');
    await registry.close();
  });

  test(`${backend}: runUnitBatch decides every item as its own PUT/DELETE would, in order (duplicates and instances after their template in later rounds)`, async () => {
    const { registry, txns } = fresh();
    await registry.api.createUnit(unit('web@.service', 'tmpl'));
    const before = txns();
    const outcomes = await runUnitBatch(registry.api, [
      { kind: 'put', name: 'x.service', request: { options: OPTIONS, desiredState: 'launched' } },
      { kind: 'put', name: 'web@1.service', request: { options: [], desiredState: 'launched' } },
      { kind: 'put', name: 'x.service', request: { options: [], desiredState: 'loaded' } },
      { kind: 'put', name: 'missing.service', request: { options: [], desiredState: 'launched' } },
      { kind: 'put', name: 'web@.service', request: { options: [], desiredState: 'launched' } },
      { kind: 'destroy', name: 'x.service' },
      { kind: 'destroy', name: 'x.service' },
    ]);
    assert.deepEqual(
      outcomes.map((o) => (o.ok ? o.plan?.kind ?? 'destroyed' : (o.error as Error).constructor.name)),
      ['create', 'create', 'setDesired', 'UnitPutRejectedError', 'UnitPutRejectedError', 'destroyed', 'UnitNotFoundError'],
    );
    const rejected = outcomes[3]!;
    assert.ok(!rejected.ok && rejected.error instanceof UnitPutRejectedError && rejected.error.kind === 'conflict');
    assert.equal((await registry.api.getUnit('web@1.service'))?.desired, 'launched');
    assert.equal(await registry.api.getUnit('x.service'), undefined);
    assert.ok(txns() - before <= 12, `${txns() - before} transactions for 7 items in 4 rounds`);
    await registry.close();
  });

  test(`${backend}: a create that finds the unit written by someone else after its read is decided again on a fresh read (a resent batch succeeds)`, async () => {
    const { registry } = fresh();
    assert.ok((await runUnitBatch(registry.api, [{ kind: 'put', name: 'x.service', request: { options: OPTIONS } }]))[0]?.ok);
    let stale = true;
    // The first read misses the unit, as a read made just before a concurrent create would.
    const store = {
      getUnits: async (ns: readonly string[]) => (stale ? ((stale = false), ns.map(() => undefined)) : registry.api.getUnits(ns)),
      writeUnits: (w: readonly UnitWrite[]) => registry.api.writeUnits(w),
    };
    const [o] = await runUnitBatch(store, [{ kind: 'put', name: 'x.service', request: { options: OPTIONS, desiredState: 'launched' } }]);
    assert.ok(o?.ok && o.plan?.kind === 'setDesired', JSON.stringify(o));
    assert.equal((await registry.api.getUnit('x.service'))?.desired, 'launched');
    await registry.close();
  });

  test(`${backend}: a chunk whose answer is lost after it committed: its destroys count as done, not "does not exist"`, async () => {
    const { registry } = fresh();
    const all = names(6, 'l');
    assert.deepEqual(await registry.api.writeUnits(all.map((n) => ({ kind: 'create', unit: unit(n), desired: 'launched' }))), all.map(() => undefined));
    // The next transaction commits, then its answer is lost (etcd's deadline passed first), as under load.
    let lose = true;
    const store = createRegistry(
      new Proxy(registry.kv, {
        get(target, prop, receiver) {
          const v = Reflect.get(target, prop, receiver) as unknown;
          if (prop === 'txn' && typeof v === 'function') {
            return async (...a: unknown[]) => {
              const res = await (v as (...x: unknown[]) => Promise<unknown>).apply(target, a);
              if (lose) {
                lose = false;
                throw new RegistryUnavailableError('txn');
              }
              return res;
            };
          }
          return typeof v === 'function' ? (v as (...x: unknown[]) => unknown).bind(target) : v;
        },
      }),
      { prefix: registry.layout.prefix },
    );
    const outcomes = await store.api.writeUnits(all.map((name) => ({ kind: 'destroy', name })));
    assert.deepEqual(outcomes, all.map(() => undefined), 'every destroy done, none "does not exist"');
    assert.deepEqual(await registry.api.getUnits(all), all.map(() => undefined));
    await registry.close(); // `store` shares its kv
  });

  test(`${backend}: 1,000 destroys in few transactions`, async () => {
    const { registry, txns } = fresh();
    const all = names(1000, 'd');
    assert.deepEqual(await registry.api.writeUnits(all.map((n) => ({ kind: 'create', unit: unit(n) }))), all.map(() => undefined));
    const before = txns();
    assert.deepEqual(await registry.api.writeUnits(all.map((name) => ({ kind: 'destroy', name }))), all.map(() => undefined));
    assert.ok(txns() - before <= 40, `1,000 destroys in ${txns() - before} transactions`);
    assert.deepEqual(await registry.api.listUnits(), []);
    await registry.close();
  });
}

contract('in-memory', () => new MemoryKv());

describeOnEtcd((etcd) => contract('etcd', () => new EtcdKv({ endpoints: etcd().endpoints })));

test('chunkWrites: no key twice in a chunk, a shared body once per chunk, within maxOps; a replace keeping its desired state runs alone', () => {
  const txnOf = (w: UnitWrite) =>
    w.kind === 'create'
      ? { compares: [{ key: `u/${w.unit.name}`, target: 'create' as const, result: 'equal' as const, value: 0n }], ops: [{ type: 'put' as const, key: `u/${w.unit.name}`, value: '' }, { type: 'putIfAbsent' as const, key: `b/${w.unit.hash}`, value: '' }] }
      : undefined;
  const writes: UnitWrite[] = [...names(10).map((n): UnitWrite => ({ kind: 'create', unit: unit(n) })), { kind: 'replace', unit: unit('r.service') }, { kind: 'create', unit: unit('z.service') }];
  const chunks = chunkWrites(writes, txnOf, 8);
  for (const c of chunks) {
    if ('alone' in c) continue;
    const keys = c.ops.map((o) => (o.type === 'deletePrefix' ? o.prefix : o.key));
    assert.equal(new Set(keys).size, keys.length, 'no key twice');
    assert.ok(c.ops.reduce((n, o) => n + (o.type === 'putIfAbsent' ? 2 : 1), 0) <= 8);
    assert.equal(c.ops.filter((o) => o.type === 'putIfAbsent').length, 1, 'the shared body once per chunk');
  }
  assert.deepEqual(chunks.flatMap((c) => ('alone' in c ? [c.alone] : c.indexes)), writes.map((_, i) => i), 'every write once, in order');
  assert.ok(chunks.some((c) => 'alone' in c && c.alone === 10));
});

/**
 * The token part of the registry contract, against the in-memory registry
 * (manual clock) and a real etcd: bootstrap once, create/list/revoke, the
 * watch, and the cache every fleetd checks requests against.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { issueToken, type TokenRecord } from '../../src/auth/token.js';
import type { Registry } from '../../src/registry/registry.js';
import { TokenCache } from '../../src/registry/token-cache.js';
import type { TokenEvent } from '../../src/registry/token-registry.js';
import { AlreadyBootstrappedError, InvalidNameError, TokenNotFoundError } from '../../src/registry/errors.js';
import { forEachRegistry, type ContractFactory, type ContractHarness } from '../support/registry-backends.js';

const token = (name: string, role: TokenRecord['role'] = 'operate'): TokenRecord => issueToken({ name, role, now: 1_000 }).record;

async function eventually(h: ContractHarness, check: () => void, timeoutMs = 5000): Promise<void> {
  for (let waited = 0; ; waited += 20) {
    try {
      check();
      return;
    } catch (err) {
      if (waited >= timeoutMs) throw err;
    }
    await h.advance(20);
  }
}

function tokenContract(name: string, make: ContractFactory): void {
  describe(`token registry contract: ${name}`, () => {
    const run = (title: string, fn: (r: Registry, h: ContractHarness) => Promise<void>): void => {
      test(title, async () => {
        const h = await make();
        try {
          await fn(h.registry, h);
        } finally {
          await h.registry.close();
        }
      });
    };

    run('bootstrap works once per cluster, even after its token was revoked', async (r) => {
      const first = token('bootstrap', 'admin');
      await r.tokens.bootstrap(first);
      assert.deepEqual((await r.tokens.listTokens()).tokens, [first]);
      await assert.rejects(r.tokens.bootstrap(token('again', 'admin')), AlreadyBootstrappedError);
      await r.tokens.revokeToken(first.id);
      await assert.rejects(r.tokens.bootstrap(token('again', 'admin')), AlreadyBootstrappedError);
      assert.deepEqual((await r.tokens.listTokens()).tokens, []);
    });

    run('create, list sorted by id, revoke; unknown and malformed ids are refused', async (r) => {
      const a = token('a');
      const b = token('b', 'read');
      await r.tokens.createToken(a);
      await r.tokens.createToken(b);
      await assert.rejects(r.tokens.createToken(a), /already in use/);
      const listed = (await r.tokens.listTokens()).tokens;
      assert.deepEqual(listed, [a, b].sort((x, y) => (x.id < y.id ? -1 : 1)));
      await r.tokens.revokeToken(a.id);
      assert.deepEqual((await r.tokens.listTokens()).tokens, [b]);
      await assert.rejects(r.tokens.revokeToken(a.id), TokenNotFoundError);
      await assert.rejects(r.tokens.revokeToken('../units'), InvalidNameError);
      await assert.rejects(r.tokens.revokeToken('0123456789ABCDEF'), InvalidNameError);
    });

    run('no secret and no hash-free record ever reaches the store', async (r) => {
      const { record, bearer } = issueToken({ name: 'ci', role: 'admin', now: 0 });
      await r.tokens.createToken(record);
      const { kvs } = await r.kv.list(r.layout.prefix);
      assert.equal(kvs.length, 1);
      assert.ok(!kvs[0]!.value.includes(bearer.split('.')[1]!));
    });

    run('list at R then watch from R+1 delivers puts and revocations; corrupt records count as absent', async (r, h) => {
      const a = token('a');
      await r.tokens.createToken(a);
      const { revision } = await r.tokens.listTokens();
      const seen: TokenEvent[] = [];
      const sub = r.tokens.watchTokens(revision + 1n, { onEvents: (e) => seen.push(...e), onResync: () => assert.fail('no resync expected') });
      try {
        const b = token('b');
        await r.tokens.createToken(b);
        await r.tokens.revokeToken(a.id);
        await r.kv.txn([], [{ type: 'put', key: r.layout.token('00000000000000ff'), value: '{"id":"x"}' }]);
        await eventually(h, () => assert.equal(seen.length, 3));
        assert.deepEqual(seen, [
          { type: 'put', token: b },
          { type: 'delete', id: a.id },
          { type: 'delete', id: '00000000000000ff' },
        ]);
        assert.equal(h.warnings.length, 1);
        assert.deepEqual((await r.tokens.listTokens()).tokens, [b]);
        assert.equal(h.warnings.length, 2, 'listing reports the corrupt record too');
      } finally {
        await sub.close();
      }
    });

    run('the token cache follows creations and revocations', async (r, h) => {
      const a = token('a');
      await r.tokens.createToken(a);
      const cache = new TokenCache(r.tokens);
      cache.start();
      try {
        await cache.whenLoaded();
        assert.deepEqual(cache.lookup(a.id), a);
        const b = token('b');
        await r.tokens.createToken(b);
        await eventually(h, () => assert.deepEqual(cache.lookup(b.id), b));
        await r.tokens.revokeToken(a.id);
        await eventually(h, () => assert.equal(cache.lookup(a.id), undefined));
        assert.equal(cache.size, 1);
      } finally {
        await cache.close();
      }
    });
  });
}

forEachRegistry('tok', tokenContract);

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { authenticate, authorise, rateLimited } from '../../../src/auth/gate.js';
import { LOCAL_PRINCIPAL } from '../../../src/auth/principal.js';
import { issueToken, type TokenRecord } from '../../../src/auth/token.js';

const ci = issueToken({ name: 'ci', role: 'operate', now: 0, ttlMs: 1000 });
const lookup = (id: string): TokenRecord | undefined => (id === ci.record.id ? ci.record : undefined);
const base = { requireToken: true, tokensLoaded: true, lookup, now: 10 };

test('a listener that asks for no token gives the local principal, whatever is sent', () => {
  for (const authorization of [undefined, 'Bearer nonsense', 'Basic x']) {
    assert.deepEqual(authenticate({ ...base, requireToken: false, authorization }), { ok: true, principal: LOCAL_PRINCIPAL });
  }
});

test('authenticate: a table of requests on a token-checked listener', () => {
  const cases: [string, string | undefined, number, number, RegExp][] = [
    ['no header', undefined, 10, 401, /authentication required: send Authorization: Bearer/],
    ['not bearer', 'Basic dXNlcjpwYXNz', 10, 401, /must be "Bearer <token>"/],
    ['malformed', 'Bearer abc', 10, 401, /invalid token/],
    ['unknown', `Bearer ${issueToken({ name: 'x', role: 'admin', now: 0 }).bearer}`, 10, 401, /invalid token/],
    ['expired', `Bearer ${ci.bearer}`, 1000, 401, /token expired/],
  ];
  for (const [name, authorization, now, status, message] of cases) {
    const r = authenticate({ ...base, authorization, now });
    assert.equal(r.ok, false, name);
    if (r.ok) continue;
    assert.equal(r.refusal.status, status, name);
    assert.match(r.refusal.message, message, name);
    assert.match(r.refusal.headers['WWW-Authenticate']!, /^Bearer realm="fleet"/, name);
  }
  assert.deepEqual(authenticate({ ...base, authorization: `Bearer ${ci.bearer}` }), {
    ok: true,
    principal: { kind: 'token', id: ci.record.id, name: 'ci', role: 'operate' },
  });
});

test('before the token list was read, a token cannot be checked: 503, not 401', () => {
  const r = authenticate({ ...base, tokensLoaded: false, authorization: `Bearer ${ci.bearer}` });
  assert.equal(r.ok ? 0 : r.refusal.status, 503);
});

test('authorise names the role needed and the role held', () => {
  const reader = { kind: 'token' as const, id: 'abcdabcdabcdabcd', name: 'dash', role: 'read' as const };
  assert.equal(authorise(reader, 'read'), undefined);
  const no = authorise(reader, 'operate');
  assert.equal(no?.status, 403);
  assert.equal(no?.message, 'permission denied: this request needs role operate; token dash (abcdabcdabcdabcd) has role read');
  assert.equal(authorise(LOCAL_PRINCIPAL, 'admin'), undefined);
});

test('429 carries Retry-After in whole seconds, at least 1', () => {
  assert.equal(rateLimited(1, { qps: 5, burst: 10 }).headers['Retry-After'], '1');
  assert.equal(rateLimited(2500, { qps: 5, burst: 10 }).headers['Retry-After'], '3');
  assert.match(rateLimited(200, { qps: 5, burst: 10 }).message, /5 requests per second \(burst 10\)/);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bearerFromHeader, checkBearer, issueToken, parseTokenRecord, tokenInfo, tokenNameProblem, type TokenRecord } from '../../../src/auth/token.js';

/** Deterministic bytes: 0, 1, 2, ... across calls. */
function counter(): (n: number) => Buffer {
  let next = 0;
  return (n) => Buffer.from(Array.from({ length: n }, () => next++ & 0xff));
}

test('issueToken returns a record without the secret and a bearer that checks', () => {
  const { record, bearer } = issueToken({ name: 'ci', role: 'operate', now: 1000, ttlMs: 5000 });
  const [id, secret] = bearer.split('.');
  assert.equal(record.id, id);
  assert.equal(record.role, 'operate');
  assert.equal(record.createdAt, 1000);
  assert.equal(record.expiresAt, 6000);
  assert.ok(!JSON.stringify(record).includes(secret!), 'the secret is not stored');
  assert.match(record.salt, /^[0-9a-f]{32}$/);
  const lookup = (i: string) => (i === record.id ? record : undefined);
  assert.deepEqual(checkBearer(bearer, lookup, 5999), { ok: true, record });
});

test('two tokens never share id, secret or salt', () => {
  const a = issueToken({ name: 'a', role: 'read', now: 0 });
  const b = issueToken({ name: 'a', role: 'read', now: 0 });
  assert.notEqual(a.record.id, b.record.id);
  assert.notEqual(a.bearer, b.bearer);
  assert.notEqual(a.record.salt, b.record.salt);
});

test('issueToken uses the injected random source (deterministic tests)', () => {
  const x = issueToken({ name: 'ci', role: 'admin', now: 0, randomBytes: counter() });
  const y = issueToken({ name: 'ci', role: 'admin', now: 0, randomBytes: counter() });
  assert.deepEqual(x, y);
  assert.equal(x.record.id, '0001020304050607');
});

test('checkBearer: table of rejections', () => {
  const { record, bearer } = issueToken({ name: 'ci', role: 'read', now: 0, ttlMs: 100 });
  const other = issueToken({ name: 'other', role: 'read', now: 0 });
  const lookup = (i: string): TokenRecord | undefined => (i === record.id ? record : undefined);
  const secret = bearer.split('.')[1]!;
  const flipped = `${record.id}.${secret[0] === 'A' ? 'B' : 'A'}${secret.slice(1)}`;
  const cases: [string, string, number, string][] = [
    ['empty', '', 0, 'malformed'],
    ['no dot', record.id + secret, 0, 'malformed'],
    ['short secret', `${record.id}.abc`, 0, 'malformed'],
    ['upper-case id', `${record.id.toUpperCase()}.${secret}`, 0, 'malformed'],
    ['NUL', `${record.id}.${secret.slice(0, -1)}\0`, 0, 'malformed'],
    ['unknown id', other.bearer, 0, 'unknown'],
    ['wrong secret', flipped, 0, 'mismatch'],
    ['another token secret with this id', `${record.id}.${other.bearer.split('.')[1]}`, 0, 'mismatch'],
    ['expired exactly at expiry', bearer, 100, 'expired'],
    ['expired later', bearer, 1e12, 'expired'],
  ];
  for (const [name, text, now, reason] of cases) {
    assert.deepEqual(checkBearer(text, lookup, now), { ok: false, reason }, name);
  }
  assert.equal(checkBearer(bearer, lookup, 99).ok, true);
});

test('bearerFromHeader', () => {
  assert.equal(bearerFromHeader(undefined), undefined);
  assert.equal(bearerFromHeader('Bearer abc.def'), 'abc.def');
  assert.equal(bearerFromHeader('bearer   abc.def '), 'abc.def');
  assert.equal(bearerFromHeader('Basic dXNlcjpwYXNz'), null);
  assert.equal(bearerFromHeader('Bearer'), null);
  assert.equal(bearerFromHeader('Bearer a b'), null);
});

test('token names', () => {
  assert.equal(tokenNameProblem('ci'), undefined);
  assert.equal(tokenNameProblem('deploy-bot.eu@2'), undefined);
  assert.match(tokenNameProblem('')!, /needs a name/);
  for (const bad of ['-x', '../x', 'a b', 'x'.repeat(65), 'é']) assert.match(tokenNameProblem(bad)!, /invalid token name/, bad);
  assert.throws(() => issueToken({ name: '../x', role: 'read', now: 0 }), /invalid token name/);
  assert.throws(() => issueToken({ name: 'x', role: 'read', now: 0, ttlMs: 0 }), /must be positive/);
});

test('parseTokenRecord round-trips and rejects malformed records', () => {
  const { record } = issueToken({ name: 'ci', role: 'admin', now: 5, ttlMs: 10 });
  assert.deepEqual(parseTokenRecord(JSON.parse(JSON.stringify(record))), record);
  const noExpiry = issueToken({ name: 'ci', role: 'read', now: 5 }).record;
  assert.deepEqual(parseTokenRecord(JSON.parse(JSON.stringify(noExpiry))), noExpiry);
  assert.throws(() => parseTokenRecord([]), /not a JSON object/);
  assert.throws(() => parseTokenRecord({ ...record, role: 'root' }), /field role/);
  assert.throws(() => parseTokenRecord({ ...record, hash: 'x' }), /field hash/);
  assert.throws(() => parseTokenRecord({ ...record, expiresAt: '1' }), /field expiresAt/);
  assert.deepEqual(Object.keys(tokenInfo(record)).sort(), ['createdAt', 'expiresAt', 'id', 'name', 'role']);
});

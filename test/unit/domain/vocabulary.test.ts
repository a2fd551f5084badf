import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Backoff, backoffDelay, DEFAULT_BACKOFF, DEFAULT_KEY_PREFIX, desiredStateRank, formatHostPort, isDesiredState, leastAdvanced,
  normalizeKeyPrefix, parseHostPort, parseLooseBool, parseStrictBool,
} from '../../../src/domain/index.js';

test('desired states: fleet order and the least advanced of two', () => {
  assert.deepEqual(['launched', 'inactive', 'loaded'].map((s) => desiredStateRank(s as never)), [2, 0, 1]);
  assert.equal(leastAdvanced('launched', 'loaded'), 'loaded');
  assert.equal(leastAdvanced('inactive', 'launched'), 'inactive');
  for (const s of ['inactive', 'loaded', 'launched']) assert.ok(isDesiredState(s));
  for (const s of ['', 'running', 'Launched', undefined, 1]) assert.equal(isDesiredState(s), false);
});

test('strict booleans are Go strconv.ParseBool', () => {
  for (const v of ['1', 't', 'T', 'TRUE', 'true', 'True', ' true ']) assert.equal(parseStrictBool(v), true, v);
  for (const v of ['0', 'f', 'F', 'FALSE', 'false', 'False']) assert.equal(parseStrictBool(v), false, v);
  for (const v of ['on', 'yes', 'tRUE', '', '2']) assert.throws(() => parseStrictBool(v), new RegExp(`got ${JSON.stringify(JSON.stringify(v)).slice(1, -1)}`), v);
});

test('loose booleans are fleet\'s unit-file set, any case', () => {
  for (const v of ['true', 'TRUE', 'yes', 'Yes', '1', 'on', 't', 'T']) assert.equal(parseLooseBool(v), true, v);
  for (const v of ['false', 'No', '0', 'off', 'f']) assert.equal(parseLooseBool(v), false, v);
  for (const v of ['', 'y', 'n', 'truee']) assert.equal(parseLooseBool(v), undefined, v);
});

test('host:port: bare port, host:port, [v6]:port; formatting brackets v6', () => {
  assert.deepEqual(parseHostPort('54728'), { port: 54728 });
  assert.deepEqual(parseHostPort(' 127.0.0.1:0 '), { host: '127.0.0.1', port: 0 });
  assert.deepEqual(parseHostPort('[::1]:80'), { host: '::1', port: 80 });
  for (const bad of ['', 'x', ':80', '1.2.3.4:99999', 'a b:1', '::1:80']) assert.throws(() => parseHostPort(bad), RangeError, bad);
  assert.equal(formatHostPort({ port: 80 }), '127.0.0.1:80');
  assert.equal(formatHostPort({ host: '::1', port: 80 }), '[::1]:80');
  assert.equal(formatHostPort({ host: 'example.com', port: 1 }), 'example.com:1');
});

test('key prefix: absolute, trailing slash added, no empty/./.. segments', () => {
  assert.equal(DEFAULT_KEY_PREFIX, '/fleet/');
  assert.equal(normalizeKeyPrefix('/fleet'), '/fleet/');
  assert.equal(normalizeKeyPrefix('/'), '/');
  assert.equal(normalizeKeyPrefix(' /a/b/ '), '/a/b/');
  for (const bad of ['fleet/', '//', '/a//b/', '/a/../b/', '/./', '']) assert.throws(() => normalizeKeyPrefix(bad), Error, bad);
});

test('backoff: 100 ms doubling, capped at 2 s; reset starts over', () => {
  assert.deepEqual([0, 1, 2, 3, 4, 5, 6, 100].map((n) => backoffDelay(n)), [100, 200, 400, 800, 1600, 2000, 2000, 2000]);
  assert.equal(backoffDelay(2, { initialMs: 1000, maxMs: 60_000 }), 4000);
  const b = new Backoff({ ...DEFAULT_BACKOFF, maxMs: 300 });
  assert.deepEqual([b.next(), b.next(), b.next()], [100, 200, 300]);
  assert.equal(b.failures, 3);
  b.reset();
  assert.equal(b.next(), 100);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodePageToken, decodePageToken, paginate, requestedPage, InvalidPageTokenError } from '../../../src/api/pagination.js';

test('tokens are bit-compatible with fleet (limit 100: page 2 ZAACAA==, page 3 ZAADAA==)', () => {
  assert.equal(encodePageToken({ limit: 100, page: 2 }), 'ZAACAA==');
  assert.equal(encodePageToken({ limit: 100, page: 3 }), 'ZAADAA==');
  assert.deepEqual(decodePageToken(['ZAACAA=='], 100), { limit: 100, page: 2 });
});

test('bad tokens are rejected with fleet messages', () => {
  const cases: Array<[string[], RegExp]> = [
    [['ZAACAA==', 'ZAADAA=='], /too many values for page token/],
    [['EwBMLg=='], /token limit must be 100/],
    [[encodePageToken({ limit: 100, page: 0 })], /token page must be greater than zero/],
    [['ZAA='], /unexpected EOF/],
    [['!!!'], /illegal base64/],
  ];
  for (const [values, re] of cases) {
    assert.throws(() => decodePageToken(values, 100), (e: unknown) => e instanceof InvalidPageTokenError && re.test(e.message), values.join());
  }
  assert.deepEqual(decodePageToken([], 7), { limit: 7, page: 1 });
});

test('pages cover the list once, with no trailing empty page', () => {
  const items = Array.from({ length: 6 }, (_, i) => i);
  const p1 = paginate(items, { limit: 3, page: 1 });
  assert.deepEqual(p1.items, [0, 1, 2]);
  assert.ok(p1.nextPageToken);
  const p2 = paginate(items, decodePageToken([p1.nextPageToken!], 3));
  assert.deepEqual(p2, { items: [3, 4, 5] }, 'an exactly full last page has no next token');
  assert.deepEqual(paginate(items, { limit: 3, page: 9 }), { items: [] });
  assert.deepEqual(paginate([], { limit: 3, page: 1 }), { items: [] });
});

test('pageSize (ours): a client picks its page size, follows tokens of that size, and bad sizes are named', () => {
  const q = (s: string) => new URLSearchParams(s);
  assert.deepEqual(requestedPage(q(''), 100), { limit: 100, page: 1 }, 'no pageSize: the server limit, as fleet');
  assert.deepEqual(requestedPage(q('pageSize=5000'), 100), { limit: 5000, page: 1 });
  const next = encodePageToken({ limit: 5000, page: 2 });
  assert.deepEqual(requestedPage(q(`pageSize=5000&nextPageToken=${next}`), 100), { limit: 5000, page: 2 });
  assert.throws(() => requestedPage(q(`nextPageToken=${next}`), 100), /token limit must be 100/, 'a token of another size without its pageSize');
  for (const bad of ['0', '65536', '-1', '1.5', 'x', '']) {
    assert.throws(() => requestedPage(q(`pageSize=${bad}`), 100), (e: unknown) => e instanceof InvalidPageTokenError && e.message === `invalid pageSize ${JSON.stringify(bad)}: expected a whole number from 1 to 65535`, bad);
  }
  assert.throws(() => requestedPage(q('pageSize=1&pageSize=2'), 100), /too many values for pageSize/);
});

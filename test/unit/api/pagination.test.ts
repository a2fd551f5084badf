import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodePageToken, decodePageToken, paginate, InvalidPageTokenError } from '../../../src/api/pagination.js';

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

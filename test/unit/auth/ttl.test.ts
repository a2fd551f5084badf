import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseTokenTtl } from '../../../src/auth/ttl.js';

test('token lifetimes: days, weeks and Go durations', () => {
  assert.equal(parseTokenTtl('30d'), 30 * 86_400_000);
  assert.equal(parseTokenTtl('2w'), 14 * 86_400_000);
  assert.equal(parseTokenTtl('1.5d'), 36 * 3_600_000);
  assert.equal(parseTokenTtl('1h30m'), 90 * 60_000);
  assert.equal(parseTokenTtl('500ms'), 500);
  assert.throws(() => parseTokenTtl('soon'), /invalid lifetime "soon" \(examples/);
  assert.throws(() => parseTokenTtl('0d'), /must be positive/);
  assert.throws(() => parseTokenTtl('-5m'), /must be positive/);
});

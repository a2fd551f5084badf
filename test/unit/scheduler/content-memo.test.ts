/**
 * The memo by content: a value gets the result computed for an earlier value
 * of exactly the same content (keys in order, primitives by type, arrays,
 * Maps and plain objects kept apart), never one computed for another content.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ContentMemo } from '../../../src/scheduler/content-memo.js';

/** An exact text of `v`'s content, with every type and order kept (what the memo must tell apart); `!` for what it does not share. */
function exact(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return `A${v.length}[${v.map(exact).join(',')}]`;
  if (v instanceof Map) return `M${v.size}[${[...v].map(([k, x]) => `${exact(k)}:${exact(x)}`).join(',')}]`;
  if (typeof v === 'object') return Object.getPrototypeOf(v) === Object.prototype ? `O{${Object.keys(v).map((k) => `${JSON.stringify(k)}:${exact((v as Record<string, unknown>)[k])}`).join(',')}}` : '!';
  if (typeof v === 'string') return JSON.stringify(v);
  return `${typeof v}:${String(v)}`;
}

const leaf = fc.oneof(fc.constantFrom<unknown>(0, -0, 1, '1', '', 'a', true, false, null, undefined, Number.NaN, 0.5), fc.integer({ min: -3, max: 3 }));
const content = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, leaf, tie('array'), tie('map'), tie('object'), fc.constant(new Set([1]))),
  array: fc.array(tie('value'), { maxLength: 3 }),
  map: fc.array(fc.tuple(leaf, tie('value')), { maxLength: 2 }).map((es) => new Map(es)),
  object: fc.dictionary(fc.constantFrom('a', 'b', 'cpu', '1', 'END'), tie('value'), { maxKeys: 3 }),
})).object;

test('content memo: every value gets the result of its own content', () => {
  fc.assert(
    fc.property(fc.array(content, { minLength: 1, maxLength: 30 }), (values) => {
      const memo = new ContentMemo<string>(1000);
      for (const v of values) assert.equal(memo.get(v as object, exact), exact(v));
    }),
    { numRuns: 500 },
  );
});

test('content memo: equal contents share one result; a value it cannot key is computed each time', () => {
  const memo = new ContentMemo<object>(1000);
  const make = () => ({});
  const a = memo.get({ cpu: 0.5, tags: ['x'], md: new Map([['az', ['a']]]) }, make);
  assert.equal(memo.get({ cpu: 0.5, tags: ['x'], md: new Map([['az', ['a']]]) }, make), a);
  assert.notEqual(memo.get({ tags: ['x'], cpu: 0.5, md: new Map([['az', ['a']]]) }, make), a, 'another key order is another content');
  assert.notEqual(memo.get({ cpu: '0.5', tags: ['x'], md: new Map([['az', ['a']]]) }, make), a);
  const odd = { s: new Set([1]) };
  assert.notEqual(memo.get(odd, make), memo.get(odd, make));
});

test('content memo: past its size it starts again, still right', () => {
  const memo = new ContentMemo<string>(4);
  for (let round = 0; round < 3; round++) for (let i = 0; i < 10; i++) assert.equal(memo.get({ i }, exact), exact({ i }));
});

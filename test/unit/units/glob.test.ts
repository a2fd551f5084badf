import { test } from 'node:test';
import assert from 'node:assert/strict';
import { globMatch, isValidGlob, isLiteralGlob } from '../../../src/units/glob.js';

// Cases from Go's path.Match documentation and test table (behaviour, not code).
const cases: Array<[pattern: string, name: string, match: boolean]> = [
  ['abc', 'abc', true],
  ['*', 'abc', true],
  ['*c', 'abc', true],
  ['a*', 'a', true],
  ['a*', 'abc', true],
  ['a*', 'ab/c', false],
  ['a*/b', 'abc/b', true],
  ['a*/b', 'a/c/b', false],
  ['a*b*c*d*e*/f', 'axbxcxdxe/f', true],
  ['a*b*c*d*e*/f', 'axbxcxdxexxx/f', true],
  ['a*b*c*d*e*/f', 'axbxcxdxe/xxx/f', false],
  ['a*b?c*x', 'abxbbxdbxebxczzx', true],
  ['a*b?c*x', 'abxbbxdbxebxczzy', false],
  ['ab[c]', 'abc', true],
  ['ab[b-d]', 'abc', true],
  ['ab[e-g]', 'abc', false],
  ['ab[^c]', 'abc', false],
  ['ab[^b-d]', 'abc', false],
  ['ab[^e-g]', 'abc', true],
  ['a\\*b', 'a*b', true],
  ['a\\*b', 'ab', false],
  ['a?b', 'a☺b', true],
  ['a[^a]b', 'a☺b', true],
  ['a???b', 'a☺b', false],
  ['[a-ζ]*', 'α', true],
  ['*[a-ζ]', 'A', false],
  ['a?b', 'a/b', false],
  ['a*b', 'a/b', false],
  ['[\\]a]', ']', true],
  ['[\\-]', '-', true],
  ['[x\\-]', 'x', true],
  ['[x\\-]', '-', true],
  ['[x\\-]', 'z', false],
  ['[\\-x]', 'x', true],
  ['[\\-x]', 'a', false],
  ['*x', 'xxx', true],
  ['web@*.service', 'web@1.service', true],
  ['web@*.service', 'db@1.service', false],
  ['foo.service', 'foo.service', true],
];

test('globMatch follows Go path.Match semantics', () => {
  for (const [pattern, name, want] of cases) {
    assert.equal(globMatch(pattern, name), want, `${pattern} vs ${name}`);
  }
});

test('malformed patterns never match', () => {
  for (const p of ['[]a]', '[-]', '[x-]', '[-x]', '\\', '[a-b-c]', '[', '[^', '[^bc', 'a[', 'a\\', '[z-a]']) {
    assert.equal(isValidGlob(p), false, p);
    assert.equal(globMatch(p, 'a'), false, p);
    assert.equal(globMatch(p, p), false, p);
  }
});

test('isLiteralGlob spots patterns without metacharacters', () => {
  assert.equal(isLiteralGlob('foo.service'), true);
  assert.equal(isLiteralGlob('foo@*.service'), false);
  assert.equal(isLiteralGlob('foo?.service'), false);
  assert.equal(isLiteralGlob('[ab].service'), false);
});

test('dashes and other punctuation outside classes are literal', () => {
  assert.equal(globMatch('web-*.service', 'web-1.service'), true);
  assert.equal(globMatch('a-b/c{d}|e', 'a-b/c{d}|e'), true);
  assert.equal(globMatch('a.b', 'axb'), false);
});

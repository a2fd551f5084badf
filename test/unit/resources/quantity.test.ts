import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  formatQuantity,
  fromFixedUnits,
  isResourceName,
  parseQuantity,
  parseResourceItems,
  subtractAmounts,
  toFixedUnits,
} from '../../../src/resources/index.js';

const G = 1024 ** 3;
const M = 1024 ** 2;

const good: Array<[string, string, number]> = [
  ['cpu', '0.5', 0.5],
  ['cpu', '2', 2],
  ['cpu', '500m', 0.5],
  ['cpu', '1500m', 1.5],
  ['cpu', '0.001', 0.001],
  ['cpu', '.25', 0.25],
  ['cpu', '0', 0],
  ['memory', '256M', 256 * M],
  ['memory', '1.5G', 1.5 * G],
  ['memory', '512K', 512 * 1024],
  ['memory', '2T', 2 * 1024 ** 4],
  ['memory', '1000', 1000],
  ['memory', '0.3K', 307],
  ['disk', '200G', 200 * G],
  ['gpu', '1', 1],
  ['gpu', '2.5', 2.5],
];
for (const [name, text, want] of good) {
  test(`parseQuantity(${name}, ${text}) = ${want}`, () => assert.deepEqual(parseQuantity(name, text), { ok: true, value: want }));
}

const bad: Array<[string, string, RegExp]> = [
  ['cpu', '-1', /cpu value "-1" is not a number of cores/],
  ['cpu', 'lots', /not a number of cores/],
  ['cpu', '1.5 cores', /not a number of cores/],
  ['cpu', '0.0005', /finer than a thousandth \(1m\)/],
  ['cpu', '0.5m', /finer than a thousandth/],
  ['cpu', '', /not a number of cores/],
  ['memory', 'lots', /memory value "lots" is not a size/],
  ['memory', '1X', /not a size/],
  ['memory', '1GiB', /not a size/],
  ['memory', '-1G', /not a size/],
  ['memory', '1g', /not a size/],
  ['disk', 'G', /not a size/],
  ['gpu', '1m', /gpu value "1m" is not a non-negative number/],
  ['gpu', 'NaN', /not a non-negative number/],
  ['gpu', 'Infinity', /not a non-negative number/],
];
for (const [name, text, want] of bad) {
  test(`parseQuantity(${name}, ${JSON.stringify(text)}) is rejected`, () => {
    const r = parseQuantity(name, text);
    assert.equal(r.ok, false);
    if (!r.ok) assert.match(r.reason, want);
  });
}

test('formatQuantity: bytes 1024-based with one decimal, cores and counts trimmed', () => {
  assert.equal(formatQuantity('memory', 2 * G), '2.0G');
  assert.equal(formatQuantity('memory', 15 * G), '15.0G');
  assert.equal(formatQuantity('memory', 1.5 * G), '1.5G');
  assert.equal(formatQuantity('memory', 256 * M), '256.0M');
  assert.equal(formatQuantity('disk', 3 * 1024 ** 4), '3.0T');
  assert.equal(formatQuantity('memory', 512), '512');
  assert.equal(formatQuantity('memory', 0), '0');
  assert.equal(formatQuantity('cpu', 1.5), '1.5');
  assert.equal(formatQuantity('cpu', 4), '4');
  assert.equal(formatQuantity('cpu', 0.1 + 0.2), '0.3');
  assert.equal(formatQuantity('gpu', 2), '2');
});

test('resource names: lower-case, a letter first', () => {
  for (const n of ['cpu', 'memory', 'gpu', 'nvidia.gpu', 'fpga_x', 'a-1']) assert.ok(isResourceName(n), n);
  for (const n of ['', 'CPU', 'Gpu', '1gpu', '-a', 'a b', 'a/b', 'x'.repeat(64)]) assert.ok(!isResourceName(n), n);
});

test('parseResourceItems: every problem named, duplicates refused, good items kept', () => {
  const r = parseResourceItems(['cpu=4', 'memory=16G', 'disk=lots', 'GPU=1', 'cpu=2', 'novalue', '']);
  assert.deepEqual(r.amounts, { cpu: 4, memory: 16 * G });
  assert.deepEqual(r.problems, [
    'disk value "lots" is not a size (a non-negative number of bytes with an optional K, M, G or T suffix, 1024-based, e.g. 256M)',
    'resource name "GPU" must be lower-case: a-z first, then a-z 0-9 _ . - (at most 63 characters)',
    'cpu is given more than once',
    '"novalue" is not name=value (e.g. cpu=0.5 memory=256M)',
  ]);
});

test('subtractAmounts: over both names, floored at 0, exact in thousandths', () => {
  assert.deepEqual(subtractAmounts({ cpu: 4, memory: 16 * G }, { cpu: 0.1, memory: 1 * G, gpu: 1 }), { cpu: 3.9, memory: 15 * G, gpu: 0 });
});

test('property: parse(format(x)) of cores and counts is x; fixed units round-trip', () => {
  fc.assert(
    fc.property(fc.constantFrom('cpu', 'gpu'), fc.integer({ min: 0, max: 10_000_000 }), (name, thousandths) => {
      const value = thousandths / 1000;
      const parsed = parseQuantity(name, formatQuantity(name, value));
      assert.deepEqual(parsed, { ok: true, value });
      assert.equal(fromFixedUnits(name, toFixedUnits(name, value)), value);
      assert.equal(toFixedUnits(name, value), thousandths);
    }),
  );
});

test('property: byte sizes with a suffix parse to the number times the 1024 power', () => {
  fc.assert(
    fc.property(fc.constantFrom('memory', 'disk'), fc.integer({ min: 0, max: 100_000 }), fc.constantFrom(['', 1], ['K', 1024], ['M', M], ['G', G], ['T', 1024 ** 4]), (name, n, [suffix, factor]) => {
      assert.deepEqual(parseQuantity(name, `${n}${suffix}`), { ok: true, value: n * (factor as number) });
    }),
  );
});

test('property: parseQuantity never throws and never returns a negative or non-finite value', () => {
  fc.assert(
    fc.property(fc.constantFrom('cpu', 'memory', 'disk', 'gpu'), fc.string(), (name, text) => {
      const r = parseQuantity(name, text);
      if (r.ok) assert.ok(Number.isFinite(r.value) && r.value >= 0, `${name}=${text} -> ${r.value}`);
    }),
  );
});

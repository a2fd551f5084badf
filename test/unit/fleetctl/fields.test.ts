import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseFields, renderFields, machineLegend, FieldsError, type FieldSet } from '../../../fleetctl/output/fields.js';

interface Row { name: string; n: number }
const fields: FieldSet<Row> = { unit: (r) => r.name, num: (r, full) => (full ? `${r.n}.000` : `${r.n}`) };

test('parseFields validates like fleet', () => {
  assert.deepEqual(parseFields('unit,num', fields), ['unit', 'num']);
  assert.throws(() => parseFields('', fields), (e: unknown) => e instanceof FieldsError && e.message === 'Must define output format');
  assert.throws(() => parseFields('unit,bogus', fields), { message: 'Invalid key in output format: "bogus"' });
});

test('renderFields prints an upper-case legend unless told not to', () => {
  const rows = [{ name: 'a.service', n: 1 }];
  assert.equal(renderFields(rows, ['unit', 'num'], fields, { full: false, noLegend: false }), 'UNIT\t\tNUM\na.service\t1\n');
  assert.equal(renderFields(rows, ['num'], fields, { full: true, noLegend: true }), '1.000\n');
});

test('machine legends', () => {
  assert.equal(machineLegend('113f16a7a9f14c8d9b0bd4e0d9e6a0c1', '172.17.8.103', false), '113f16a7.../172.17.8.103');
  assert.equal(machineLegend('113f16a7a9f14c8d9b0bd4e0d9e6a0c1', undefined, true), '113f16a7a9f14c8d9b0bd4e0d9e6a0c1');
  assert.equal(machineLegend('abc', '', false), 'abc...', 'fleet appends ... even to short ids');
});

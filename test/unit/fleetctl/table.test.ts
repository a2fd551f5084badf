import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatTable } from '../../../fleetctl/output/table.js';

test('matches fleet documentation example for list-machines', () => {
  const out = formatTable([
    ['MACHINE', 'IP', 'METADATA'],
    ['113f16a7...', '172.17.8.103', 'az=us-west-1b'],
  ]);
  assert.equal(out, 'MACHINE\t\tIP\t\tMETADATA\n113f16a7...\t172.17.8.103\taz=us-west-1b\n');
});

test('column width rounds up to the next tab stop after padding', () => {
  // "1234567" + 1 padding = 8 -> one tab stop; "12345678" + 1 = 9 -> two.
  assert.equal(formatTable([['1234567', 'x'], ['a', 'y']]), '1234567\tx\na\ty\n');
  assert.equal(formatTable([['12345678', 'x'], ['a', 'y']]), '12345678\tx\na\t\ty\n');
});

test('list-units default layout', () => {
  const out = formatTable([
    ['UNIT', 'MACHINE', 'ACTIVE', 'SUB'],
    ['hello.service', '113f16a7.../172.17.8.103', 'active', 'running'],
  ]);
  assert.equal(out, 'UNIT\t\tMACHINE\t\t\t\tACTIVE\tSUB\nhello.service\t113f16a7.../172.17.8.103\tactive\trunning\n');
});

test('an empty table prints nothing; widths count code points', () => {
  assert.equal(formatTable([]), '');
  assert.equal(formatTable([['ééééééé', 'x'], ['a', 'y']]), 'ééééééé\tx\na\ty\n');
});

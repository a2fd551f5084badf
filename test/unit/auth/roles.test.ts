import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRole, roleAllows, ROLES } from '../../../src/auth/roles.js';

test('each role includes the weaker ones and nothing stronger', () => {
  const table: [string, string, boolean][] = [];
  for (const held of ROLES) for (const needed of ROLES) table.push([held, needed, ROLES.indexOf(held) >= ROLES.indexOf(needed)]);
  assert.deepEqual(
    table.filter(([, , ok]) => ok).map(([h, n]) => `${h}>=${n}`),
    ['read>=read', 'operate>=read', 'operate>=operate', 'admin>=read', 'admin>=operate', 'admin>=admin'],
  );
  for (const [held, needed, ok] of table) assert.equal(roleAllows(held as never, needed as never), ok);
});

test('parseRole names the bad value and the choices', () => {
  assert.equal(parseRole(' Operate '), 'operate');
  assert.throws(() => parseRole('root'), /unknown role "root": expected one of read, operate, admin/);
});

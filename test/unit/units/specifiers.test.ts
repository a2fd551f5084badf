import { test } from 'node:test';
import assert from 'node:assert/strict';
import { expandSpecifiers, parseUnitName } from '../../../src/units/index.js';

const cases: Array<[string, string, string, string[]]> = [
  // unit, value, expanded, unexpanded
  ['foo@bar.service', '%n', 'foo@bar.service', []],
  ['foo@bar.service', '%N', 'foo@bar', []],
  ['foo@bar.service', '%p', 'foo', []],
  ['foo@bar.service', '%i', 'bar', []],
  ['foo.service', '%i', '', []],
  ['foo.service', '%p/%N', 'foo/foo', []],
  ['web@a\\x2db-c.service', '%N', 'web@a\\x2db-c', []], // %N is not unescaped, as in systemd
  ['web@a\\x2db-c.service', '%i', 'a\\x2db-c', []],
  ['web@a\\x2db-c.service', '%I', 'a-b/c', []],
  ['my\\x2dapp@1.service', '%P', 'my-app', []],
  ['foo.service', '100%%', '100%', []],
  ['foo.service', '%%n', '%n', []],
  ['foo.service', '%H-%n', '%H-foo.service', ['%H']],
  ['foo.service', 'trailing %', 'trailing %', ['%']],
  ['foo@%n.service', '%i', '%n', []], // single pass: substituted text is not re-expanded
  ['foo@x\\y.service', '%I', '%I', ['%I']], // undecodable escape left as written
];

for (const [unit, value, want, unexpanded] of cases) {
  test(`expand ${JSON.stringify(value)} for ${unit}`, () => {
    const r = expandSpecifiers(value, parseUnitName(unit)!);
    assert.equal(r.value, want);
    assert.deepEqual(r.unexpanded, unexpanded);
  });
}

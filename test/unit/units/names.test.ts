import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  InvalidUnitNameError, instanceName, isValidUnitName, mangleUnitName, parseUnitName, templateOf, unitNameProblem, validateUnitName,
  escapeUnitNamePart, unescapeUnitNamePart,
} from '../../../src/units/index.js';

// fleet api/units_test.go TestValidateName plus each message.
const valid = ['yo.yo.service', 'hello:world.service', 'yes@no\\.service', 'foo@.service', 'foo.target', 'a.slice', 'x@y.timer', 'foo@bar@baz.service'];
const invalid: Array<[string, string]> = [
  ['', 'unit name cannot be empty'],
  [`${'a'.repeat(249)}.service`, 'unit name exceeds maximum length (256)'],
  ['foo', 'unit name must contain "."'],
  ['foo.', 'unit name cannot end in "."'],
  ['foo.servICE', 'invalid unit type: "servICE"'],
  ['foo.link', 'invalid unit type: "link"'],
  ['yes/no.service', "invalid character '/' in unit name"],
  ['a{b.service', "invalid character '{' in unit name"],
  ['a b.service', "invalid character ' ' in unit name"],
  ['dog=woof@.mount', 'invalid unit type for template: "mount"'],
  ['foo@1.mount', 'invalid unit type for template: "mount"'],
  ['@foo.service', 'unit name cannot start in "@"'],
  // Ours, not fleet's: a dot-file in the units directory could never be loaded.
  ['.hidden.service', 'unit name cannot start in "."'],
  ['.service', 'unit name cannot start in "."'],
  ['é.service', "invalid character 'é' in unit name"],
];

for (const name of valid) {
  test(`valid name ${JSON.stringify(name)}`, () => {
    assert.equal(unitNameProblem(name), undefined);
    assert.ok(isValidUnitName(name));
    validateUnitName(name);
  });
}
for (const [name, message] of invalid) {
  test(`invalid name ${JSON.stringify(name.slice(0, 20))}: ${message}`, () => {
    assert.equal(unitNameProblem(name), message);
    assert.equal(isValidUnitName(name), false);
    assert.throws(() => validateUnitName(name), (err: unknown) =>
      err instanceof InvalidUnitNameError && err.code === 'INVALID_UNIT_NAME' && err.message === message && err.unitName === name);
  });
}

test('256 bytes is the limit (bytes, not characters)', () => {
  assert.ok(isValidUnitName(`${'a'.repeat(248)}.service`));
  assert.equal(`${'a'.repeat(248)}.service`.length, 256);
});

// fleet unit/unit_test.go TestNamedUnit.
const anatomy: Array<[string, string, string, string, string, boolean, boolean]> = [
  // full, name, prefix, template, instance, isInstance, isTemplate
  ['foo.service', 'foo', 'foo', '', '', false, false],
  ['foo@.service', 'foo@', 'foo', 'foo@.service', '', false, true],
  ['foo@bar.service', 'foo@bar', 'foo', 'foo@.service', 'bar', true, false],
  ['foo@bar@baz.service', 'foo@bar@baz', 'foo', 'foo@.service', 'bar@baz', true, false],
  ['foo.1@.service', 'foo.1@', 'foo.1', 'foo.1@.service', '', false, true],
  ['foo.1@2.service', 'foo.1@2', 'foo.1', 'foo.1@.service', '2', true, false],
  ['ssh@.socket', 'ssh@', 'ssh', 'ssh@.socket', '', false, true],
  ['ssh@1.socket', 'ssh@1', 'ssh', 'ssh@.socket', '1', true, false],
];
for (const [full, name, prefix, template, instance, isInstance, isTemplate] of anatomy) {
  test(`parseUnitName(${full})`, () => {
    const info = parseUnitName(full);
    assert.ok(info);
    assert.deepEqual(
      { ...info },
      { fullName: full, name, prefix, type: full.slice(full.lastIndexOf('.') + 1), template, instance, isInstance, isTemplate },
    );
  });
}

test('parseUnitName: no dot -> undefined', () => {
  assert.equal(parseUnitName('foo'), undefined);
  assert.equal(parseUnitName('bar@baz'), undefined);
});

test('templateOf / instanceName', () => {
  assert.equal(templateOf('foo@bar.service'), 'foo@.service');
  assert.equal(templateOf('foo@.service'), undefined);
  assert.equal(templateOf('foo.service'), undefined);
  assert.equal(templateOf('foo'), undefined);
  assert.equal(instanceName('foo@.service', 'bar'), 'foo@bar.service');
  assert.equal(instanceName('foo@x.service', 'bar'), undefined);
  assert.equal(instanceName('foo.service', 'bar'), undefined);
});

const mangle: Array<[string, string]> = [
  ['foo', 'foo.service'],
  ['foo.service', 'foo.service'],
  ['foo.1', 'foo.1.service'],
  ['foo/bar.socket', 'bar.socket'],
  ['/abs/path/web@.service', 'web@.service'],
  ['dir/', 'dir.service'],
  ['foo.target', 'foo.target'], // quirk #5 fixed (fleet: foo.target.service)
  ['foo.slice', 'foo.slice'],
  ['foo.link', 'foo.link.service'],
];
for (const [arg, want] of mangle) {
  test(`mangleUnitName(${arg}) = ${want}`, () => assert.equal(mangleUnitName(arg), want));
}

// systemd-escape behaviour.
const escapes: Array<[string, string]> = [
  ['foo', 'foo'],
  ['/dev/sda', '-dev-sda'],
  ['a-b', 'a\\x2db'],
  ['a b', 'a\\x20b'],
  ['.hidden', '\\x2ehidden'],
  ['a.b', 'a.b'],
  ['back\\slash', 'back\\x5cslash'],
  ['é', '\\xc3\\xa9'],
  ['', ''],
];
for (const [raw, escaped] of escapes) {
  test(`escape ${JSON.stringify(raw)} <-> ${JSON.stringify(escaped)}`, () => {
    assert.equal(escapeUnitNamePart(raw), escaped);
    assert.equal(unescapeUnitNamePart(escaped), raw.replace(/^\/+/, (m) => m));
  });
}

test('unescape: uppercase hex, and malformed escapes', () => {
  assert.equal(unescapeUnitNamePart('a\\x2Db'), 'a-b');
  assert.equal(unescapeUnitNamePart('a\\y20'), undefined);
  assert.equal(unescapeUnitNamePart('a\\x2'), undefined);
  assert.equal(unescapeUnitNamePart('a\\xzz'), undefined);
  assert.equal(unescapeUnitNamePart('\\xff'), undefined, 'not UTF-8');
});

/** The rule as documented, written out independently of names.ts (an oracle for its one-regex fast path). */
function validBySpec(name: string): boolean {
  const bytes = Buffer.byteLength(name);
  const dot = name.lastIndexOf('.');
  if (bytes === 0 || bytes > 256 || dot <= -1 || dot === name.length - 1) return false;
  const type = name.slice(dot + 1);
  const types = ['automount', 'busname', 'device', 'mount', 'path', 'scope', 'service', 'slice', 'snapshot', 'socket', 'swap', 'target', 'timer'];
  if (!types.includes(type)) return false;
  if (name.includes('@') && !['path', 'service', 'socket', 'target', 'timer'].includes(type)) return false;
  if ([...name.slice(0, dot)].some((c) => !/[0-9a-zA-Z:_.@\-\\]/.test(c))) return false;
  return !name.startsWith('@') && !name.startsWith('.');
}

test('unitNameProblem agrees with the written-out rule on 20,000 generated names (fast path and long way alike)', () => {
  const parts = ['a', 'Z', '9', ':', '_', '-', '\\', '.', '@', '/', ' ', 'é', '☃', 'service', 'mount', 'timer', 'link', 'servICE', ''];
  let seed = 12345;
  const next = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  let valid = 0;
  for (let i = 0; i < 20_000; i++) {
    let name = Array.from({ length: 1 + next(6) }, () => parts[next(parts.length)]!).join('');
    if (next(2) === 0) name += `.${parts[13 + next(6)]}`;
    if (next(50) === 0) name = 'a'.repeat(240 + next(20)) + name;
    const ok = unitNameProblem(name) === undefined;
    assert.equal(ok, validBySpec(name), `${JSON.stringify(name)}: ${unitNameProblem(name) ?? 'valid'}`);
    if (ok) valid++;
  }
  assert.ok(valid > 1000, `enough valid names generated (${valid})`);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalOrder, hashUnitText, isUnitHash, parseUnitFile, serializeUnit, shortHash, unitDescription, type UnitOption } from '../../../src/units/index.js';

const o = (section: string, name: string, value: string): UnitOption => ({ section, name, value });

const cases: Array<[string, UnitOption[], string]> = [
  ['no options', [], ''],
  ['one section', [o('Service', 'ExecStart', '/bin/sleep 100')], '[Service]\nExecStart=/bin/sleep 100\n'],
  ['blank line between sections, none at the end', [o('Unit', 'Description', 'Foo'), o('Service', 'ExecStart', 'x')], '[Unit]\nDescription=Foo\n\n[Service]\nExecStart=x\n'],
  ['repeated section merged into the first', [o('A', 'a', '1'), o('B', 'b', '1'), o('A', 'a', '2')], '[A]\na=1\na=2\n\n[B]\nb=1\n'],
  ['value kept verbatim, continuation included', [o('S', 'E', 'a \\\n  b')], '[S]\nE=a \\\n  b\n'],
  ['value ending in backslash-newline', [o('S', 'E', 'a \\\n'), o('S', 'F', 'x')], '[S]\nE=a \\\n\nF=x\n'],
];

for (const [name, options, text] of cases) {
  test(`serialize: ${name}`, () => {
    assert.equal(serializeUnit(options), text);
    assert.deepEqual(parseUnitFile(text), canonicalOrder(options));
  });
}

test('hash: fleet unit_test.go vector', () => {
  const text = serializeUnit(parseUnitFile('[Service]\nExecStart=/bin/sleep 100\n'));
  const hash = hashUnitText(text);
  assert.equal(hash, '1c6fb6f3684bafb0c173d8b8b957ceff031180c1');
  assert.equal(shortHash(hash), '1c6fb6f');
  assert.ok(isUnitHash(hash));
});

test('hash: fleet functional/fixtures/units/hello.service', () => {
  const file = '[Service]\nExecStart=/bin/bash -c "while true; do echo Hello, World!; sleep 1; done"\n';
  assert.equal(hashUnitText(serializeUnit(parseUnitFile(file))), '3750b3e9f3962a56c7582929426e9abb012754cf');
});

test('hash ignores comments, blank lines, spacing around "=" and empty sections', () => {
  const messy = '# header\n[Install]\n\n[Service]\n  ExecStart =  /bin/sleep 100  \n; trailing\n';
  assert.equal(hashUnitText(serializeUnit(parseUnitFile(messy))), '1c6fb6f3684bafb0c173d8b8b957ceff031180c1');
});

test('hash depends on option order', () => {
  const a = hashUnitText(serializeUnit([o('S', 'A', '1'), o('S', 'B', '2')]));
  const b = hashUnitText(serializeUnit([o('S', 'B', '2'), o('S', 'A', '1')]));
  assert.notEqual(a, b);
});

test('description: first [Unit] Description, else ""', () => {
  assert.equal(unitDescription(parseUnitFile('[Unit]\nDescription = Foo\nDescription=Bar\n[Service]\nExecStart=x\n')), 'Foo');
  assert.equal(unitDescription(parseUnitFile('[Unit]\n\n[Service]\nDescription=no\n')), '');
});

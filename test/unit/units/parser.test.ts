import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildUnit, parseUnitFile, parseUnitFileLines, MAX_UNIT_FILE_BYTES, UnitParseError, type UnitOption } from '../../../src/units/index.js';

const o = (section: string, name: string, value: string): UnitOption => ({ section, name, value });

// Accepted inputs: go-systemd's deserialize tests and fleet's unit tests
// (behaviour, not code), plus our CRLF / EOF-continuation decisions.
const accepted: Array<[string, string, UnitOption[]]> = [
  ['multiple options in a section', '[Unit]\nDescription=Foo\nDescription=Bar\nRequires=baz.service\nAfter=baz.service\n', [
    o('Unit', 'Description', 'Foo'), o('Unit', 'Description', 'Bar'), o('Unit', 'Requires', 'baz.service'), o('Unit', 'After', 'baz.service'),
  ]],
  ['multiple sections', '[Unit]\nDescription=Foo\n\n[Service]\nExecStart=/usr/bin/sleep infinity\n\n[X-Third-Party]\nPants=on\n\n', [
    o('Unit', 'Description', 'Foo'), o('Service', 'ExecStart', '/usr/bin/sleep infinity'), o('X-Third-Party', 'Pants', 'on'),
  ]],
  ['empty sections vanish', '[Unit]\n[Service]\n[X-Third-Party]\n', []],
  ['empty file', '', []],
  ['quotes are not processed', '[Service]\nEnvironment= "FOO=BAR" "BAZ=QUX"\n', [o('Service', 'Environment', '"FOO=BAR" "BAZ=QUX"')]],
  ['continuation keeps backslash and newline', '[Unit]\nDescription= Unnecessarily wrapped \\\n    words here\n', [
    o('Unit', 'Description', 'Unnecessarily wrapped \\\n    words here'),
  ]],
  ['comments skipped', '; alpha\n# bravo\n[Unit]\n; charlie\n  # delta\n#Description=Foo\nDescription=Bar\n; echo\n', [o('Unit', 'Description', 'Bar')]],
  ['comment-looking lines inside a continuation are value', '[Unit]\nDescription=Bar\\\n# comment alpha\n\nDescription=Bar\\\n# comment bravo \\\nBaz\n', [
    o('Unit', 'Description', 'Bar\\\n# comment alpha'), o('Unit', 'Description', 'Bar\\\n# comment bravo \\\nBaz'),
  ]],
  ['fleet TestDeserializeEscapedMultilines', '\n[Service]\nExecStart=echo \\\n  "pi\\\n  ng"\nExecStop=\\\necho "po\\\nng"\n# c\nExecStopPre=echo\\\n#pang\nExecStopPost=echo\\\n#peng\\\npung\n', [
    o('Service', 'ExecStart', 'echo \\\n  "pi\\\n  ng"'), o('Service', 'ExecStop', '\\\necho "po\\\nng"'),
    o('Service', 'ExecStopPre', 'echo\\\n#pang'), o('Service', 'ExecStopPost', 'echo\\\n#peng\\\npung'),
  ]],
  ['garbage option name is accepted', '[Unit]\n<<<<<<<<=Bar\n', [o('Unit', '<<<<<<<<', 'Bar')]],
  ['option name with spaces', '[Unit]\nSome Thing = Bar\n', [o('Unit', 'Some Thing', 'Bar')]],
  ['empty name', '[Unit]\n=Bar\n', [o('Unit', '', 'Bar')]],
  ['empty value kept', '[Service]\nExecStartPre=\n', [o('Service', 'ExecStartPre', '')]],
  ['first = splits', '[X-Fleet]\nMachineMetadata=a=b=c\n', [o('X-Fleet', 'MachineMetadata', 'a=b=c')]],
  ['# inside a value is part of it', '[Service]\nExecStart=/bin/echo #not a comment ; nor this\n', [o('Service', 'ExecStart', '/bin/echo #not a comment ; nor this')]],
  ['no trailing newline', '[Unit]\nDescription=Bar', [o('Unit', 'Description', 'Bar')]],
  ['continuation at EOF keeps its newline', '[Unit]\nDescription=Bar \\', [o('Unit', 'Description', 'Bar \\\n')]],
  ['continuation then EOF newline', '[Unit]\nDescription=Bar \\\n', [o('Unit', 'Description', 'Bar \\\n')]],
  ['blank line ends a continuation', '[Unit]\nDescription= words here \\\n  \nAfter=x\n', [o('Unit', 'Description', 'words here \\\n'), o('Unit', 'After', 'x')]],
  ['utf8 preserved', '[©]\nµ☃=ÇôrèÕ$', [o('©', 'µ☃', 'ÇôrèÕ$')]],
  ['whitespace around name and value trimmed', '[Unit]\n Description   =  words here  \n', [o('Unit', 'Description', 'words here')]],
  ['backslash followed by text is not a continuation', '[Service]\nExecStart=/bin/bash -c "while true; do echo \\"ping\\"; sleep 1; done"\n', [
    o('Service', 'ExecStart', '/bin/bash -c "while true; do echo \\"ping\\"; sleep 1; done"'),
  ]],
  ['section name verbatim', '[ Spaced Name ]\nA=b\n', [o(' Spaced Name ', 'A', 'b')]],
  ['repeated sections accumulate in file order', '[A]\na=1\n[B]\nb=1\n[A]\na=2\n', [o('A', 'a', '1'), o('B', 'b', '1'), o('A', 'a', '2')]],
  ['CRLF line ends', '[Unit]\r\nDescription = Foo \r\n; c\r\nAfter=a\\\r\nb\r\n', [o('Unit', 'Description', 'Foo'), o('Unit', 'After', 'a\\\nb')]],
  ['comment ending in backslash swallows the next line (go-systemd)', '[Unit]\n# note \\\nDescription=gone\nAfter=x\n', [o('Unit', 'After', 'x')]],
  ['comment backslash then two spaces does not swallow', '[Unit]\n# note \\  \nDescription=kept\n', [o('Unit', 'Description', 'kept')]],
  ['leading BOM ignored', '\uFEFF[Unit]\nA=b\n', [o('Unit', 'A', 'b')]],
  ['Go whitespace (NEL) trimmed', '[Unit]\nA=\u0085b\u00a0\n', [o('Unit', 'A', 'b')]],
  ['U+FEFF inside a value is not whitespace to Go', '[Unit]\nA=\uFEFFb\n', [o('Unit', 'A', '\uFEFFb')]],
  ['line of 2047 bytes accepted', `[A]\nB=${'x'.repeat(2045)}\n`, [o('A', 'B', 'x'.repeat(2045))]],
];

for (const [name, input, want] of accepted) {
  test(`parse: ${name}`, () => {
    assert.deepEqual(parseUnitFile(input), want);
    assert.deepEqual(parseUnitFile(new TextEncoder().encode(input)), want, 'bytes and string agree');
  });
}

// Refused inputs: [name, input, line, message fragment].
const refused: Array<[string, string | Uint8Array, number | undefined, RegExp]> = [
  ['option before the first section (fleet drops it)', 'Description=Foo\n[Unit]\nDescription=Bar\n', 1, /option "Description" appears before the first \[Section\] header/],
  ['garbage before the first section', '\n>>>>>>>>\n[Unit]\n', 2, /unexpected text before the first \[Section\] header: ">>>>>>>>"/],
  ['malformed section header', '[Unit\nDescription=Foo\n', 1, /unable to find end of section/],
  ['garbage after section header', '[Unit] pants\nDescription=Foo\n', 1, /found garbage after section name "Unit": "pants"/],
  ['option without value', '[Unit]\nDescription\n', 2, /expected "Name=Value".*"Description"/],
  ['garbage inside a section', '[Unit]\n\n[Service]\n<<<<<<<<<<<<<<<<\n', 4, /found "<<<<<<<<<<<<<<<<"/],
  ['nonsense upon stilts', '\n[Unit]\nnonsense upon stilts\n', 3, /"nonsense upon stilts"/],
  ['backslash then trailing space', '[Unit]\nDescription=Bar \\ \nAfter=x\n', 2, /ends in "\\" followed by whitespace/],
  ['backslash then trailing space on a continuation line', '[Unit]\nA=x\\\n  y\\ \nB=1\n', 3, /value of "A" ends in "\\"/],
  ['line of 2048 bytes', `[A]\nB=${'x'.repeat(2046)}\n`, 2, /line too long \(max 2048 bytes\)/],
  ['long multibyte line', `[A]\nB=${'é'.repeat(1024)}\n`, 2, /line too long/],
  ['long comment line', `[A]\n#${'x'.repeat(3000)}\n`, 2, /line too long/],
  ['NUL byte', '[A]\nB=x\0y\n', 2, /NUL/],
  ['invalid UTF-8 byte', new Uint8Array([0x5b, 0x41, 0x5d, 0x0a, 0x42, 0x3d, 0xff, 0x0a]), 2, /not valid UTF-8/],
  ['overlong UTF-8', new Uint8Array([0x5b, 0x41, 0x5d, 0x0a, 0x42, 0x3d, 0xc0, 0xaf]), 2, /not valid UTF-8/],
  ['UTF-8 surrogate', new Uint8Array([0x5b, 0x41, 0x5d, 0x0a, 0x42, 0x3d, 0xed, 0xa0, 0x80]), 2, /not valid UTF-8/],
  ['truncated UTF-8', new Uint8Array([0x5b, 0x41, 0x5d, 0x0a, 0x42, 0x3d, 0xe2, 0x82]), 2, /not valid UTF-8/],
  ['lone surrogate in a string', '[A]\n\nB=\uD800\n', 3, /not valid UTF-8/],
  ['carriage return in option name', '[A]\nB\rC=x\n', 2, /carriage return/],
  ['too large', `[A]\n${'B=x\n'.repeat(MAX_UNIT_FILE_BYTES / 4)}`, undefined, /unit file too large: 262148 bytes \(max 262144\)/],
];

for (const [name, input, line, message] of refused) {
  test(`refuse: ${name}`, () => {
    assert.throws(() => parseUnitFile(input), (err: unknown) => {
      assert.ok(err instanceof UnitParseError, `expected UnitParseError, got ${String(err)}`);
      assert.equal(err.code, 'UNIT_PARSE_ERROR');
      assert.equal(err.line, line);
      assert.match(err.message, message);
      if (line !== undefined) assert.ok(err.message.startsWith(`line ${line}: `));
      return true;
    });
  });
}

test('exactly MAX_UNIT_FILE_BYTES is accepted', () => {
  const body = '[A]\n' + 'B=x\n'.repeat(MAX_UNIT_FILE_BYTES / 4 - 1);
  assert.equal(new TextEncoder().encode(body).length, MAX_UNIT_FILE_BYTES);
  assert.equal(parseUnitFile(body).length, MAX_UNIT_FILE_BYTES / 4 - 1);
});

test('parseUnitFileLines: the line each option starts on (continuations and comments counted); the same options as parseUnitFile', () => {
  const text = '# c\n[Unit]\nDescription=a \\\n  b\n\n[X-Fleet]\n; note\nGlobal=true\r\nPriority=3\n';
  const { options, lines } = parseUnitFileLines(text);
  assert.deepEqual(options, parseUnitFile(text));
  assert.deepEqual(options.map((o) => `${o.name}@${lines.get(o)}`), ['Description@3', 'Global@8', 'Priority@9']);
});

test('a unit built from text names the line of each bad [X-Fleet] value; built from options it cannot', () => {
  const text = '[Service]\nExecStart=/bin/true\n\n[X-Fleet]\nRolloutAutoRevert=perhaps\nPriority=high\nMachineOf=\nDesiredState=up\n';
  assert.throws(() => buildUnit('a.service', text), {
    message:
      'line 7: MachineOf value "" is not a valid unit name: unit name cannot be empty; line 6: [X-Fleet] "Priority=high": priority "high" is not a whole number from 0 to 1000; ' +
      'line 5: RolloutAutoRevert value "perhaps" is not a boolean (true/false, yes/no, 1/0, on/off); line 8: DesiredState value "up" is not one of inactive, loaded, launched',
  });
  assert.throws(() => buildUnit('a.service', parseUnitFile(text)), /^UnitValidationError: MachineOf value ""/);
});

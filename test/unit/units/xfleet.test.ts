import { test } from 'node:test';
import assert from 'node:assert/strict';
import { extractRequirements, isGlobalUnit, parseMultivalueLine, parseUnitFile } from '../../../src/units/index.js';

// fleet unit/unit_test.go TestParseMultivalueLine.
const multivalue: Array<[string, string[]]> = [
  ['"bar" "ping" "pong"', ['bar', 'ping', 'pong']],
  ['"bar"', ['bar']],
  ['', ['']],
  ['""', ['']],
  ['"bar', ['"bar']],
  ['bar"', ['bar"']],
  ['foo\\"bar', ['foo\\"bar']],
  ['"bar" "', ['bar', '']],
  ['"foo\\"bar"', ['foo\\bar']],
  ['"a=1"  "b=2"', ['a=1', '', 'b=2']],
  ['"a b" "c"', ['a b', 'c']],
  ['a b', ['a b']],
];
for (const [input, want] of multivalue) {
  test(`parseMultivalueLine(${JSON.stringify(input)})`, () => assert.deepEqual(parseMultivalueLine(input), want));
}

const xf = (body: string) => parseUnitFile(`[X-Fleet]\n${body}`);

test('no [X-Fleet]: no requirements, no warnings', () => {
  const r = extractRequirements(parseUnitFile('[Service]\nExecStart=x\n'), 'a.service');
  assert.deepEqual(r.requirements, { machineOf: [], metadata: new Map(), conflicts: [], replaces: [], global: false });
  assert.deepEqual(r.warnings, []);
  assert.deepEqual(r.problems, []);
});

test('every key, deprecated aliases folded in fleet order', () => {
  const r = extractRequirements(xf([
    'MachineOf=b.service', 'X-ConditionMachineOf=a.service',
    'MachineMetadata=region=us', 'X-ConditionMachineMetadata=region=eu', 'MachineMetadata="disk=ssd" "disk=hdd"',
    'Conflicts=c1.* c2.*', 'X-Conflicts=c0.*',
    'Replaces=old.service', 'Global=false',
  ].join('\n')), 'web.service');
  assert.deepEqual(r.problems, []);
  assert.deepEqual(r.requirements.machineOf, ['a.service', 'b.service']);
  assert.deepEqual([...r.requirements.metadata], [['region', ['eu', 'us']], ['disk', ['ssd', 'hdd']]]);
  assert.deepEqual(r.requirements.conflicts, ['c0.*', 'c1.*', 'c2.*']);
  assert.deepEqual(r.requirements.replaces, ['old.service']);
  assert.equal(r.requirements.global, false);
  assert.equal(r.requirements.machineId, undefined);
  assert.deepEqual(r.warnings, [
    'Unit web.service: [X-Fleet] "X-ConditionMachineOf" is deprecated; use "MachineOf"',
    'Unit web.service: [X-Fleet] "X-ConditionMachineMetadata" is deprecated; use "MachineMetadata"',
    'Unit web.service: [X-Fleet] "X-Conflicts" is deprecated; use "Conflicts"',
  ]);
});

const machineIdCases: Array<[string, string, string | undefined, number]> = [
  ['modern wins over deprecated', 'X-ConditionMachineID=old\nMachineID=new', 'new', 2],
  ['deprecated MachineID', 'X-ConditionMachineID=abc', 'abc', 1],
  ['boot ID as last resort', 'X-ConditionMachineBootID=boot', 'boot', 1],
  ['first value wins', 'MachineID=one\nMachineID=two', 'one', 1],
  ['repeated identical value: no warning', 'MachineID=one\nMachineID=one', 'one', 0],
];
for (const [name, body, want, warnings] of machineIdCases) {
  test(`MachineID: ${name}`, () => {
    const r = extractRequirements(xf(body), 'a.service');
    assert.equal(r.requirements.machineId, want);
    assert.equal(r.warnings.length, warnings, r.warnings.join('\n'));
  });
}

test('MachineID: exposed as written (short IDs are not expanded)', () => {
  assert.equal(extractRequirements(xf('MachineID=1234abcd'), 'a.service').requirements.machineId, '1234abcd');
});

test('Global: last value wins; non-boolean warns', () => {
  assert.equal(extractRequirements(xf('Global=true\nGlobal=no'), 'a.service').requirements.global, false);
  assert.equal(extractRequirements(xf('Global=no\nGlobal=On'), 'a.service').requirements.global, true);
  const r = extractRequirements(xf('Global=maybe'), 'a.service');
  assert.equal(r.requirements.global, false);
  assert.deepEqual(r.warnings, ['Unit a.service: [X-Fleet] Global value "maybe" is not a boolean; treated as false']);
});

test('unknown key: warning in fleet wording, never silence', () => {
  const r = extractRequirements(xf('Bogus=1\nMachineOf=b.service'), 'foo.service');
  assert.deepEqual(r.warnings, ['Unit foo.service: unrecognized requirement in [X-Fleet] section: "Bogus"']);
  assert.deepEqual(r.requirements.machineOf, ['b.service']);
  assert.deepEqual(extractRequirements(xf('Bogus=1')).warnings, ['unrecognized requirement in [X-Fleet] section: "Bogus"']);
});

test('boot ID alias warns that it rarely matches', () => {
  const r = extractRequirements(xf('X-ConditionMachineBootID=b'), 'a.service');
  assert.match(r.warnings[0]!, /"X-ConditionMachineBootID" is deprecated; use "MachineID" \(a boot ID/);
});

// Quirk #10: MachineMetadata values.
const metadata: Array<[string, string, Array<[string, string[]]> | string]> = [
  ['one pair', 'MachineMetadata=region=us', [['region', ['us']]]],
  ['several lines OR within a key', 'MachineMetadata=region=us\nMachineMetadata=region=eu', [['region', ['us', 'eu']]]],
  ['unquoted several pairs (fleet drops silently)', 'MachineMetadata=a=1 b=2', [['a', ['1']], ['b', ['2']]]],
  ['unquoted pairs separated by tabs', 'MachineMetadata=a=1\tb=2', [['a', ['1']], ['b', ['2']]]],
  ['quoted pairs', 'MachineMetadata="a=1" "b=2"', [['a', ['1']], ['b', ['2']]]],
  ['quoted pair with a space in the value', 'MachineMetadata="region=us east"', [['region', ['us east']]]],
  ['duplicates collapse', 'MachineMetadata=a=1\nMachineMetadata=a=1', [['a', ['1']]]],
  ['unquoted pair and junk', 'MachineMetadata=a=1 b', 'MachineMetadata value "a=1 b" is not of the form "key=value" (several pairs: k1=v1 k2=v2)'],
  ['no "="', 'MachineMetadata=foo', 'MachineMetadata value "foo" is not of the form "key=value" (several pairs: k1=v1 k2=v2)'],
  ['empty key', 'MachineMetadata==x', 'MachineMetadata value "=x" is not of the form "key=value" (several pairs: k1=v1 k2=v2)'],
  ['empty value', 'MachineMetadata=x=', 'MachineMetadata value "x=" is not of the form "key=value" (several pairs: k1=v1 k2=v2)'],
  ['two "="', 'MachineMetadata=a=b=c', 'MachineMetadata value "a=b=c" is not of the form "key=value" (several pairs: k1=v1 k2=v2)'],
  ['spaces around "="', 'MachineMetadata=a = 1', 'MachineMetadata value "a = 1" is not of the form "key=value" (several pairs: k1=v1 k2=v2)'],
  ['empty assignment', 'MachineMetadata=', 'MachineMetadata value "" is not of the form "key=value" (several pairs: k1=v1 k2=v2)'],
];
for (const [name, body, want] of metadata) {
  test(`MachineMetadata: ${name}`, () => {
    const r = extractRequirements(xf(body), 'a.service');
    if (typeof want === 'string') {
      assert.deepEqual(r.problems, [want]);
    } else {
      assert.deepEqual(r.problems, []);
      assert.deepEqual([...r.requirements.metadata], want);
    }
  });
}

test('specifiers are expanded in values (not keys) when the name is known', () => {
  const r = extractRequirements(xf('MachineOf=%p-db@%i.service\nConflicts=%p@*.service\nMachineMetadata=role=%i'), 'web@blue.service');
  assert.deepEqual(r.requirements.machineOf, ['web-db@blue.service']);
  assert.deepEqual(r.requirements.conflicts, ['web@*.service']);
  assert.deepEqual([...r.requirements.metadata], [['role', ['blue']]]);
  const raw = extractRequirements(xf('Conflicts=%p@*.service'));
  assert.deepEqual(raw.requirements.conflicts, ['%p@*.service']);
});

test('unsupported specifier: left as written, with a warning', () => {
  const r = extractRequirements(xf('Conflicts=%H.service'), 'a.service');
  assert.deepEqual(r.requirements.conflicts, ['%H.service']);
  assert.deepEqual(r.warnings, ['Unit a.service: [X-Fleet] Conflicts: specifier "%H" in "%H.service" is not supported and was left as written']);
});

test('Conflicts and Replaces: whitespace-split, deduplicated', () => {
  const r = extractRequirements(xf('Conflicts=a.* b.*\nConflicts=a.*\nReplaces=x.service  y.service'), 'z.service');
  assert.deepEqual(r.requirements.conflicts, ['a.*', 'b.*']);
  assert.deepEqual(r.requirements.replaces, ['x.service', 'y.service']);
});

const valueProblems: Array<[string, string, string]> = [
  ['empty MachineID', 'MachineID=', 'MachineID cannot be empty'],
  ['MachineOf with two names', 'MachineOf=a.service b.service', 'MachineOf value "a.service b.service" is not a valid unit name: invalid character \' \' in unit name'],
  ['MachineOf without type', 'MachineOf=db', 'MachineOf value "db" is not a valid unit name: unit name must contain "."'],
  ['malformed Conflicts glob', 'Conflicts=a[.service', 'Conflicts pattern "a[.service" is not a valid glob'],
  ['malformed Replaces glob', 'Replaces=a\\', 'Replaces pattern "a\\\\" is not a valid glob'],
];
for (const [name, body, problem] of valueProblems) {
  test(`value problem: ${name}`, () => {
    assert.deepEqual(extractRequirements(xf(body), 'a.service').problems, [problem]);
  });
}

// Regression: glob.ts once escaped "-" outside a class, which the RegExp `u`
// flag rejects, so any pattern with a dash threw a SyntaxError.
test('Conflicts pattern with a dash', () => {
  const r = extractRequirements(xf('Conflicts=web-*.service'), 'a.service');
  assert.deepEqual(r.problems, []);
  assert.deepEqual(r.requirements.conflicts, ['web-*.service']);
});

test('template: values that depend on the instance are deferred, the rest is judged', () => {
  const body = 'MachineMetadata=host=%i\nMachineMetadata=zone=%p\nMachineOf=%N-db.service\nConflicts=%p@*.service %n-x\nMachineID=%I';
  const t = extractRequirements(xf(body), 'ms@.service');
  assert.deepEqual(t.problems, []);
  assert.deepEqual([...t.deferred].sort(), ['conflicts', 'machineId', 'machineOf', 'metadata']);
  assert.deepEqual([...t.requirements.metadata], [['zone', ['ms']]], 'the %p value is expanded and kept');
  assert.deepEqual(t.requirements.conflicts, [], 'a value is deferred whole, with every token in it');
  assert.equal(t.requirements.machineId, undefined);
  const i = extractRequirements(xf(body), 'ms@h2.service');
  assert.deepEqual(i.deferred, new Set());
  assert.deepEqual([...i.requirements.metadata], [['host', ['h2']], ['zone', ['ms']]]);
  assert.deepEqual(i.requirements.machineOf, ['ms@h2-db.service']);
  assert.deepEqual(i.requirements.conflicts, ['ms@*.service', 'ms@h2.service-x']);
  assert.equal(i.requirements.machineId, 'h2');
});

test('template: a value without instance specifiers is still judged, %% is not an instance specifier', () => {
  assert.deepEqual(extractRequirements(xf('MachineMetadata=%p'), 'ms@.service').problems, [
    'MachineMetadata value "ms" ("%p" expanded for ms@.service) is not of the form "key=value" (several pairs: k1=v1 k2=v2)',
  ]);
  assert.deepEqual(extractRequirements(xf('MachineMetadata=a%%i'), 'ms@.service').problems, [
    'MachineMetadata value "a%i" ("a%%i" expanded for ms@.service) is not of the form "key=value" (several pairs: k1=v1 k2=v2)',
  ]);
});

const instanceProblems: Array<[string, string, string, string]> = [
  ['MachineMetadata', 'MachineMetadata=%i', 'ms@h2.service', 'MachineMetadata value "h2" ("%i" expanded for ms@h2.service) is not of the form "key=value" (several pairs: k1=v1 k2=v2)'],
  ['MachineOf', 'MachineOf=%i', 'ms@db.service', 'MachineOf value "db" ("%i" expanded for ms@db.service) is not a valid unit name: unit name must contain "."'],
  ['Conflicts', 'Conflicts=%I', 'ms@a\\x5b.service', 'Conflicts pattern "a[" ("%I" expanded for ms@a\\x5b.service) is not a valid glob'],
  ['Replaces', 'Replaces=x%I', 'ms@\\x5b.service', 'Replaces pattern "x[" ("x%I" expanded for ms@\\x5b.service) is not a valid glob'],
];
for (const [key, body, unit, problem] of instanceProblems) {
  test(`instance: an invalid expansion of ${key} names the value as written and the instance`, () => {
    assert.deepEqual(extractRequirements(xf(body), 'ms@.service').problems, [], 'the template is fine');
    assert.deepEqual(extractRequirements(xf(body), unit).problems, [problem]);
  });
}

// Every specifier in every key that takes one, for a template and one of its instances.
const expansions: Array<[string, string, boolean]> = [
  // specifier, expansion for `my\x2dapp@a\x2db.service`, depends on the instance
  ['%n', 'my\\x2dapp@a\\x2db.service', true],
  ['%N', 'my\\x2dapp@a\\x2db', true],
  ['%p', 'my\\x2dapp', false],
  ['%i', 'a\\x2db', true],
  ['%P', 'my-app', false],
  ['%I', 'a-b', true],
  ['%%', '%', false],
];
const keyShapes: Array<[string, (v: string) => string, (r: ReturnType<typeof extractRequirements>['requirements']) => unknown, (x: string) => unknown]> = [
  ['MachineID', (v) => `MachineID=m${v}`, (r) => r.machineId, (x) => `m${x}`],
  ['MachineOf', (v) => `MachineOf=x${v}.service`, (r) => r.machineOf, (x) => [`x${x}.service`]],
  ['MachineMetadata', (v) => `MachineMetadata=k=${v}`, (r) => [...r.metadata], (x) => [['k', [x]]]],
  ['Conflicts', (v) => `Conflicts=${v}*`, (r) => r.conflicts, (x) => [`${x}*`]],
  ['Replaces', (v) => `Replaces=${v}.service`, (r) => r.replaces, (x) => [`${x}.service`]],
];
for (const [key, line, pick, want] of keyShapes) {
  for (const [spec, expansion, instanceDependent] of expansions) {
    if (key === 'MachineOf' && spec === '%%') continue; // '%' is not allowed in unit names: see below
    test(`${key} with ${spec}: expanded for the instance, ${instanceDependent ? 'deferred' : 'expanded'} for the template`, () => {
      const instance = extractRequirements(xf(line(spec)), 'my\\x2dapp@a\\x2db.service');
      assert.deepEqual(instance.problems, []);
      assert.deepEqual(pick(instance.requirements), want(expansion));
      const template = extractRequirements(xf(line(spec)), 'my\\x2dapp@.service');
      assert.deepEqual(template.problems, []);
      assert.equal(template.deferred.size, instanceDependent ? 1 : 0);
      if (!instanceDependent) assert.deepEqual(pick(template.requirements), want(expansion));
    });
  }
}

test('MachineOf with %%: a literal % makes an invalid unit name, for the template too', () => {
  assert.deepEqual(extractRequirements(xf('MachineOf=x%%.service'), 'a@.service').problems, [
    'MachineOf value "x%.service" ("x%%.service" expanded for a@.service) is not a valid unit name: invalid character \'%\' in unit name',
  ]);
});

test('isGlobalUnit: Global= as extractRequirements reads it, false for unreadable values and other problems', () => {
  assert.equal(isGlobalUnit({ name: 'a.service', options: xf('Global=true') }), true);
  assert.equal(isGlobalUnit({ name: 'a.service', options: xf('Global=maybe') }), false);
  assert.equal(isGlobalUnit({ name: 'a.service', options: xf('Global=yes\nResources=cpu=-1') }), true);
  assert.equal(isGlobalUnit({ name: 'a.service', options: xf('Global=yes\nGlobal=0') }), false);
  assert.equal(isGlobalUnit({ name: 'a.service', options: [] }), false);
});

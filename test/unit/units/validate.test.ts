import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  NO_REQUIREMENTS, parseUnitFile, requirementConflicts, roundTripProblem, UnitValidationError, validateUnitOptions,
  type UnitOption, type UnitRequirements,
} from '../../../src/units/index.js';

const req = (r: Partial<UnitRequirements>): UnitRequirements => ({ ...NO_REQUIREMENTS, ...r });

// fleet api/units.go ValidateOptions, in fleet's order and wording.
const combos: Array<[string, UnitRequirements, string[]]> = [
  ['nothing', req({}), []],
  ['Global + MachineMetadata + Conflicts is fine', req({ global: true, metadata: new Map([['a', ['1']]]), conflicts: ['x.*'] }), []],
  ['MachineID + MachineMetadata is fine', req({ machineId: 'm', metadata: new Map([['a', ['1']]]) }), []],
  ['peer matches conflict', req({ machineOf: ['db.service'], conflicts: ['db.*'] }), ['unresolvable requirements: peer "db.service" matches conflict "db.*"']],
  ['peer matches replace', req({ machineOf: ['db.service'], replaces: ['d?.service'] }), [
    'unresolvable requirements: peer "db.service" matches replace "d?.service"',
  ]],
  ['MachineID + Peers', req({ machineId: 'm', machineOf: ['a.service'] }), ['MachineID cannot be used with Peers']],
  ['MachineID + Conflicts', req({ machineId: 'm', conflicts: ['a.*'] }), ['MachineID cannot be used with Conflicts']],
  ['MachineID + Global', req({ machineId: 'm', global: true }), ['MachineID cannot be used with Global']],
  ['MachineID + Replaces', req({ machineId: 'm', replaces: ['a.*'] }), ['MachineID cannot be used with Replaces']],
  ['Global + Peers', req({ global: true, machineOf: ['a.service'] }), ['Global cannot be used with Peers']],
  ['Global + Replaces', req({ global: true, replaces: ['a.*'] }), ['Global cannot be used with Replaces']],
  ['Conflicts + Replaces', req({ conflicts: ['a.*'], replaces: ['b.*'] }), ['Conflicts cannot be used with Replaces']],
  ['everything at once, fleet order', req({ machineId: 'm', global: true, machineOf: ['a.service'], conflicts: ['a.*'], replaces: ['a.*'] }), [
    'unresolvable requirements: peer "a.service" matches conflict "a.*"',
    'unresolvable requirements: peer "a.service" matches replace "a.*"',
    'MachineID cannot be used with Peers',
    'MachineID cannot be used with Conflicts',
    'MachineID cannot be used with Global',
    'MachineID cannot be used with Replaces',
    'Global cannot be used with Peers',
    'Global cannot be used with Replaces',
    'Conflicts cannot be used with Replaces',
  ]],
];
for (const [name, r, want] of combos) {
  test(`requirementConflicts: ${name}`, () => assert.deepEqual(requirementConflicts(r), want));
}

const o = (section: string, name: string, value: string): UnitOption => ({ section, name, value });

const roundTrips: Array<[string, UnitOption[], RegExp | undefined]> = [
  ['ordinary options', [o('Service', 'ExecStart', '/bin/true'), o('Unit', 'Description', 'x')], undefined],
  ['continuation value', [o('Service', 'ExecStart', 'a \\\n  b')], undefined],
  ['name with "="', [o('Service', 'A=B', 'c')], /option "A=B" in section "Service" with value "c" cannot be written/],
  ['value with leading space', [o('Service', 'A', ' c')], /cannot be written to a unit file unchanged/],
  ['value with a bare newline', [o('Service', 'A', 'a\nB=c')], /cannot be written to a unit file unchanged/],
  ['section with "]"', [o('a]b', 'A', 'c')], /options do not form a valid unit file: line 1: found garbage/],
  ['name starting with "#"', [o('S', '#A', 'c')], /cannot be written/],
  ['line too long', [o('S', 'A', 'x'.repeat(3000))], /line too long/],
];
for (const [name, options, want] of roundTrips) {
  test(`roundTripProblem: ${name}`, () => {
    const got = roundTripProblem(options);
    if (want === undefined) assert.equal(got, undefined);
    else assert.match(got ?? '', want);
  });
}

test('validateUnitOptions: returns requirements and warnings', () => {
  const r = validateUnitOptions(parseUnitFile('[X-Fleet]\nConflicts=%p@*.service\nBogus=1\n'), 'web@1.service');
  assert.deepEqual(r.requirements.conflicts, ['web@*.service']);
  assert.deepEqual(r.warnings, ['Unit web@1.service: unrecognized requirement in [X-Fleet] section: "Bogus"']);
});

test('validateUnitOptions: throws UnitValidationError with every problem', () => {
  const options = parseUnitFile('[X-Fleet]\nMachineMetadata=a=1 b\nMachineID=m\nGlobal=true\n');
  assert.throws(() => validateUnitOptions(options, 'x.service'), (err: unknown) => {
    assert.ok(err instanceof UnitValidationError);
    assert.equal(err.code, 'INVALID_UNIT_OPTIONS');
    assert.equal(err.unitName, 'x.service');
    assert.deepEqual(err.problems, [
      'MachineMetadata value "a=1 b" is not of the form "key=value" (several pairs: k1=v1 k2=v2)',
      'MachineID cannot be used with Global',
    ]);
    assert.equal(err.message, err.problems.join('; '));
    return true;
  });
});

test('validateUnitOptions: a single problem reads exactly like fleet', () => {
  assert.throws(
    () => validateUnitOptions(parseUnitFile('[X-Fleet]\nGlobal=true\nMachineOf=a.service\n')),
    { name: 'UnitValidationError', message: 'Global cannot be used with Peers' },
  );
});

test('template: combination rules hold for deferred values, their contents are judged per instance', () => {
  const opts = parseUnitFile('[X-Fleet]\nMachineID=%i\nConflicts=other.service\n');
  assert.throws(() => validateUnitOptions(opts, 'ms@.service'), (e: unknown) => e instanceof UnitValidationError && e.message === 'MachineID cannot be used with Conflicts');
  const peer = parseUnitFile('[X-Fleet]\nMachineOf=%p@%i.service\nConflicts=ms@a.service\n');
  assert.doesNotThrow(() => validateUnitOptions(peer, 'ms@.service'));
  assert.throws(() => validateUnitOptions(peer, 'ms@a.service'), (e: unknown) => e instanceof UnitValidationError && e.message === 'unresolvable requirements: peer "ms@a.service" matches conflict "ms@a.service"');
  assert.doesNotThrow(() => validateUnitOptions(peer, 'ms@b.service'));
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildUnit, InvalidUnitNameError, UnitParseError, UnitValidationError } from '../../../src/units/index.js';

test('buildUnit from text: canonical text, hash, description, requirements, warnings', () => {
  const u = buildUnit('web@blue.service', [
    '# web tier',
    '[Unit]',
    'Description = Web %i',
    '[X-Fleet]',
    'Conflicts=%p@*.service',
    'X-ConditionMachineOf=cache@%i.service',
    '[Service]',
    'ExecStart=/bin/sleep 100',
    '',
  ].join('\n'));
  assert.equal(u.name, 'web@blue.service');
  assert.equal(u.text, '[Unit]\nDescription=Web %i\n\n[X-Fleet]\nConflicts=%p@*.service\nX-ConditionMachineOf=cache@%i.service\n\n[Service]\nExecStart=/bin/sleep 100\n');
  assert.match(u.hash, /^[0-9a-f]{40}$/);
  assert.equal(u.description, 'Web %i');
  assert.deepEqual(u.requirements.conflicts, ['web@*.service']);
  assert.deepEqual(u.requirements.machineOf, ['cache@blue.service']);
  assert.deepEqual(u.warnings, ['Unit web@blue.service: [X-Fleet] "X-ConditionMachineOf" is deprecated; use "MachineOf"']);
  assert.ok(Object.isFrozen(u));
});

test('buildUnit: text, bytes and options give the same unit; options come back in canonical order', () => {
  const text = '[A]\na=1\n[B]\nb=1\n[A]\na=2\n';
  const fromText = buildUnit('x.service', text);
  const fromBytes = buildUnit('x.service', new TextEncoder().encode(text));
  const fromOptions = buildUnit('x.service', [
    { section: 'A', name: 'a', value: '1' }, { section: 'B', name: 'b', value: '1' }, { section: 'A', name: 'a', value: '2' },
  ]);
  assert.deepEqual(fromBytes, fromText);
  assert.deepEqual(fromOptions, fromText);
  assert.deepEqual(fromText.options.map((o) => `${o.section}.${o.name}=${o.value}`), ['A.a=1', 'A.a=2', 'B.b=1']);
});

test('buildUnit: the fleet hash vector', () => {
  assert.equal(buildUnit('sleep.service', '[Service]\nExecStart=/bin/sleep 100\n').hash, '1c6fb6f3684bafb0c173d8b8b957ceff031180c1');
});

test('buildUnit: typed errors', () => {
  assert.throws(() => buildUnit('foo', '[Service]\nExecStart=x\n'), InvalidUnitNameError);
  assert.throws(() => buildUnit('foo.service', 'ExecStart=x\n'), UnitParseError);
  assert.throws(() => buildUnit('foo.service', '[X-Fleet]\nMachineID=a\nGlobal=1\n'), UnitValidationError);
  assert.throws(() => buildUnit('foo.service', [{ section: 'S', name: 'A\nB', value: 'x' }]), UnitValidationError);
});

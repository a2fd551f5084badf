import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { UnitWithDesired } from '../../../src/registry/index.js';
import {
  buildUnit,
  checkUnitPut,
  InvalidUnitNameError,
  planUnitPut,
  templateNeeded,
  unitFromTemplate,
  UnitPutRejectedError,
  UnitValidationError,
  type UnitPutRequest,
} from '../../../src/units/index.js';

const A = [{ section: 'Service', name: 'ExecStart', value: '/bin/a %i' }];
const B = [{ section: 'Service', name: 'ExecStart', value: '/bin/b' }];
const BAD = [...B, { section: 'X-Fleet', name: 'Global', value: 'true' }, { section: 'X-Fleet', name: 'MachineOf', value: 'b.service' }];
const stored = (name: string, options = A, desired: UnitWithDesired['desired'] = 'loaded'): UnitWithDesired => {
  const u = buildUnit(name, options);
  return { unit: { name, options: u.options, hash: u.hash }, desired };
};
/** A stored record whose options were never validated (written by an older or foreign client). */
const unvalidated = (name: string, options: typeof A): UnitWithDesired => ({ ...stored(name), unit: { ...stored(name).unit, options } });
const req = (r: Partial<UnitPutRequest>): UnitPutRequest => ({ options: [], ...r });

type Want = string | { reason: UnitPutRejectedError['reason']; kind: 'invalid' | 'conflict' } | typeof InvalidUnitNameError | typeof UnitValidationError;

test('planUnitPut: named cases', () => {
  const cases: Array<[string, string, UnitPutRequest, UnitWithDesired | undefined, UnitWithDesired | undefined, Want]> = [
    ['create, default inactive', 'a.service', req({ options: A }), undefined, undefined, 'create:inactive'],
    ['create launched', 'a.service', req({ options: A, desiredState: 'launched' }), undefined, undefined, 'create:launched'],
    ['create without options', 'a.service', req({ desiredState: 'launched' }), undefined, undefined, { reason: 'options-required', kind: 'conflict' }],
    ['create invalid options', 'a.service', req({ options: BAD }), undefined, undefined, UnitValidationError],
    ['same options, new desired', 'a.service', req({ options: A, desiredState: 'launched' }), stored('a.service'), undefined, 'setDesired:launched'],
    ['desired only', 'a.service', req({ desiredState: 'inactive' }), stored('a.service'), undefined, 'setDesired:inactive'],
    ['existing, nothing to do', 'a.service', req({ options: A }), stored('a.service'), undefined, { reason: 'desired-state-required', kind: 'conflict' }],
    ['changed options, desired kept', 'a.service', req({ options: B }), stored('a.service'), undefined, 'replace:'],
    ['changed options, desired given', 'a.service', req({ options: B, desiredState: 'launched' }), stored('a.service'), undefined, 'replace:launched'],
    ['changed options invalid', 'a.service', req({ options: BAD }), stored('a.service'), undefined, UnitValidationError],
    ['template created launched', 't@.service', req({ options: A, desiredState: 'launched' }), undefined, undefined, { reason: 'template-activation', kind: 'invalid' }],
    ['template created inactive', 't@.service', req({ options: A, desiredState: 'inactive' }), undefined, undefined, 'create:inactive'],
    ['template replaced + loaded', 't@.service', req({ options: B, desiredState: 'loaded' }), stored('t@.service'), undefined, { reason: 'template-activation', kind: 'invalid' }],
    ['instance with options', 't@1.service', req({ options: A, desiredState: 'launched' }), undefined, undefined, 'create:launched'],
    ['instance from stored template', 't@1.service', req({ desiredState: 'launched' }), undefined, stored('t@.service'), 'create:launched:t@.service'],
    ['instance from stored template, no desired', 't@1.service', req({}), undefined, stored('t@.service'), 'create:inactive:t@.service'],
    ['instance, template missing', 't@1.service', req({ desiredState: 'launched' }), undefined, undefined, { reason: 'options-required', kind: 'conflict' }],
    ['instance, wrong template given', 't@1.service', req({ desiredState: 'launched' }), undefined, stored('u@.service'), { reason: 'options-required', kind: 'conflict' }],
    ['instance, template unusable for it', 't@1.service', req({ desiredState: 'launched' }), undefined, unvalidated('t@.service', BAD), UnitValidationError],
    ['existing instance: the template is irrelevant', 't@1.service', req({ desiredState: 'launched' }), stored('t@1.service'), stored('t@.service', B), 'setDesired:launched'],
    ['bad desired', 'a.service', req({ desiredState: 'up' }), stored('a.service'), undefined, { reason: 'invalid-desired-state', kind: 'invalid' }],
    ['bad name', 'a.b', req({ options: A }), undefined, undefined, InvalidUnitNameError],
  ];
  for (const [name, unitName, r, existing, template, want] of cases) {
    if (typeof want === 'string') {
      const got = planUnitPut(unitName, r, existing, template);
      const from = got.kind === 'create' && got.fromTemplate !== undefined ? `:${got.fromTemplate}` : '';
      assert.equal(`${got.kind}:${'desired' in got ? (got.desired ?? '') : ''}${from}`, want, name);
      if (got.kind !== 'setDesired') assert.equal(got.unit.name, unitName, name);
    } else if (typeof want === 'function') {
      assert.throws(() => planUnitPut(unitName, r, existing, template), want, name);
    } else {
      assert.throws(
        () => planUnitPut(unitName, r, existing, template),
        (e: unknown) => e instanceof UnitPutRejectedError && e.reason === want.reason && e.kind === want.kind && e.unitName === unitName,
        name,
      );
    }
  }
});

test('an instance created from its template has the template body under its own name (specifiers resolve for it)', () => {
  const plan = planUnitPut('t@7.service', req({ desiredState: 'loaded' }), undefined, stored('t@.service'));
  assert.equal(plan.kind, 'create');
  if (plan.kind !== 'create') return;
  const direct = buildUnit('t@7.service', A);
  assert.equal(plan.unit.hash, direct.hash);
  assert.deepEqual(plan.unit, unitFromTemplate('t@7.service', A));
  assert.equal(unitFromTemplate('t@7.service', '[Service]\nExecStart=/bin/a %i\n').hash, direct.hash, 'local template text and stored options give the same body');
});

test('templateNeeded: only for a missing instance given without options', () => {
  assert.equal(templateNeeded('t@1.service', req({ desiredState: 'launched' }), undefined), 't@.service');
  assert.equal(templateNeeded('t@1.service', req({ options: A }), undefined), undefined);
  assert.equal(templateNeeded('t@1.service', req({}), stored('t@1.service')), undefined);
  assert.equal(templateNeeded('a.service', req({}), undefined), undefined);
  assert.equal(templateNeeded('t@.service', req({}), undefined), undefined);
});

test('checkUnitPut: messages are fleet\'s', () => {
  assert.equal(checkUnitPut('a.service', req({})), undefined);
  assert.equal(checkUnitPut('t@.service', req({ desiredState: 'inactive' })), 'inactive');
  assert.throws(() => checkUnitPut('t@.service', req({ desiredState: 'launched' })), { message: 'cannot activate template "t@.service"' });
  assert.throws(() => checkUnitPut('a.service', req({ desiredState: 'up' })), { message: 'invalid value "up" for desiredState (expected inactive, loaded or launched)' });
  assert.throws(() => checkUnitPut('', req({})), { message: 'unit name cannot be empty' });
});

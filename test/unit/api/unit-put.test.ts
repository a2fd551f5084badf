import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '../../../src/api/errors.js';
import { decodePutBody, planUnitPut, type PutBody } from '../../../src/api/unit-put.js';
import type { UnitWithDesired } from '../../../src/registry/index.js';
import { buildUnit, UnitValidationError } from '../../../src/units/index.js';

const A = [{ section: 'Service', name: 'ExecStart', value: '/bin/a' }];
const B = [{ section: 'Service', name: 'ExecStart', value: '/bin/b' }];
const stored = (name: string, options = A): UnitWithDesired => {
  const u = buildUnit(name, options);
  return { unit: { name, options: u.options, hash: u.hash }, desired: 'loaded' };
};
const body = (b: Partial<PutBody>): PutBody => ({ name: '', options: [], ...b });

test('planUnitPut: named cases', () => {
  const cases: Array<[string, string, PutBody, UnitWithDesired | undefined, string | { status: number; message: RegExp } | 'validation']> = [
    ['create, default inactive', 'a.service', body({ options: A }), undefined, 'create:inactive'],
    ['create launched', 'a.service', body({ options: A, desiredState: 'launched' }), undefined, 'create:launched'],
    ['create without options', 'a.service', body({ desiredState: 'launched' }), undefined, { status: 409, message: /options field empty/ }],
    ['same options, new desired', 'a.service', body({ options: A, desiredState: 'launched' }), stored('a.service'), 'setDesired:launched'],
    ['desired only', 'a.service', body({ desiredState: 'inactive' }), stored('a.service'), 'setDesired:inactive'],
    ['existing, nothing to do', 'a.service', body({ options: A }), stored('a.service'), { status: 409, message: /must provide DesiredState/ }],
    ['changed options, desired kept', 'a.service', body({ options: B }), stored('a.service'), 'replace:'],
    ['changed options, desired given', 'a.service', body({ options: B, desiredState: 'launched' }), stored('a.service'), 'replace:launched'],
    ['changed options invalid', 'a.service', body({ options: [...B, { section: 'X-Fleet', name: 'Global', value: 'true' }, { section: 'X-Fleet', name: 'MachineOf', value: 'b.service' }] }), stored('a.service'), 'validation'],
    ['template created launched', 't@.service', body({ options: A, desiredState: 'launched' }), undefined, { status: 400, message: /cannot activate template "t@.service"/ }],
    ['template created inactive', 't@.service', body({ options: A, desiredState: 'inactive' }), undefined, 'create:inactive'],
    ['template replaced + loaded', 't@.service', body({ options: B, desiredState: 'loaded' }), stored('t@.service'), { status: 400, message: /cannot activate template/ }],
    ['instance launched', 't@1.service', body({ options: A, desiredState: 'launched' }), undefined, 'create:launched'],
    ['bad desired', 'a.service', body({ desiredState: 'up' }), stored('a.service'), { status: 400, message: /invalid value "up" for desiredState/ }],
    ['bad name', 'a.b', body({ options: A }), undefined, { status: 400, message: /^invalid unit type: "b"$/ }],
    ['body name differs', 'a.service', body({ name: 'b.service', options: A }), undefined, { status: 400, message: /differs/ }],
  ];
  for (const [name, urlName, b, existing, want] of cases) {
    if (typeof want === 'string' && want !== 'validation') {
      const got = planUnitPut(urlName, b, existing);
      assert.equal(`${got.kind}:${'desired' in got ? got.desired : ''}`, want, name);
    } else if (want === 'validation') {
      assert.throws(() => planUnitPut(urlName, b, existing), UnitValidationError, name);
    } else {
      assert.throws(() => planUnitPut(urlName, b, existing), (e: unknown) => e instanceof ApiError && e.status === want.status && want.message.test(e.message), name);
    }
  }
});

test('decodePutBody: shapes, omitted values and empty desiredState', () => {
  assert.deepEqual(decodePutBody({ name: 'a.service', desiredState: '', options: [{ section: 'Unit', name: 'Description' }], currentState: 'x' }), {
    name: 'a.service',
    options: [{ section: 'Unit', name: 'Description', value: '' }],
  });
  for (const bad of [null, [], 'x', { name: 1 }, { desiredState: true }, { options: {} }, { options: [null] }, { options: [{ name: 'x' }] }]) {
    assert.throws(() => decodePutBody(bad), (e: unknown) => e instanceof ApiError && e.status === 400 && e.message.startsWith('unable to decode body: '), JSON.stringify(bad));
  }
});

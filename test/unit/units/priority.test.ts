import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildUnit, extractRequirements, parseUnitFile, UnitValidationError } from '../../../src/units/index.js';

const of = (text: string, name = 'a.service') => extractRequirements(parseUnitFile(text), name);

const cases: Array<{ name: string; text: string; priority: number | undefined; preemptible: boolean | undefined }> = [
  { name: 'not given: absent (priority 0, preemptible)', text: '[Service]\nExecStart=/bin/true\n', priority: undefined, preemptible: undefined },
  { name: 'a priority', text: '[X-Fleet]\nPriority=100\n', priority: 100, preemptible: undefined },
  { name: 'bounds', text: '[X-Fleet]\nPriority=1000\n', priority: 1000, preemptible: undefined },
  { name: 'explicit zero is kept', text: '[X-Fleet]\nPriority=0\n', priority: 0, preemptible: undefined },
  { name: 'last value wins', text: '[X-Fleet]\nPriority=5\nPriority=7\n', priority: 7, preemptible: undefined },
  { name: 'Preemptible=false', text: '[X-Fleet]\nPreemptible=false\n', priority: undefined, preemptible: false },
  { name: 'Preemptible=yes', text: '[X-Fleet]\nPriority=3\nPreemptible=yes\n', priority: 3, preemptible: true },
];
for (const c of cases) {
  test(`Priority: ${c.name}`, () => {
    const r = of(c.text);
    assert.deepEqual(r.problems, []);
    assert.deepEqual(r.warnings, []);
    assert.equal(r.requirements.priority, c.priority);
    assert.equal(r.requirements.preemptible, c.preemptible);
    assert.equal('priority' in r.requirements, c.priority !== undefined, 'absent unless written, so units without it keep their signature');
  });
}

const rejected: Array<[string, string]> = [
  ['Priority=1001', '[X-Fleet] "Priority=1001": priority "1001" is not a whole number from 0 to 1000'],
  ['Priority=-1', '[X-Fleet] "Priority=-1": priority "-1" is not a whole number from 0 to 1000'],
  ['Priority=high', '[X-Fleet] "Priority=high": priority "high" is not a whole number from 0 to 1000'],
  ['Priority=1.5', '[X-Fleet] "Priority=1.5": priority "1.5" is not a whole number from 0 to 1000'],
  ['Priority=', '[X-Fleet] "Priority=": priority "" is not a whole number from 0 to 1000'],
  ['Preemptible=maybe', '[X-Fleet] "Preemptible=maybe": Preemptible value "maybe" is not a boolean (true/false, yes/no, 1/0, on/off)'],
];
for (const [line, want] of rejected) {
  test(`Priority rejected: ${line}`, () => assert.deepEqual(of(`[X-Fleet]\n${line}\n`).problems, [want]));
}

test('submit: buildUnit refuses a bad Priority= naming unit, line and value', () => {
  assert.throws(
    () => buildUnit('a.service', '[Service]\nExecStart=/bin/true\n[X-Fleet]\nPriority=9999\n'),
    (err: unknown) => err instanceof UnitValidationError && err.unitName === 'a.service' && /"Priority=9999": priority "9999"/.test(err.message),
  );
});

test('template instances inherit Priority= and Preemptible=, with specifiers expanded', () => {
  const text = '[X-Fleet]\nPriority=%i\nPreemptible=false\n';
  assert.equal(buildUnit('w@20.service', text).requirements.priority, 20);
  assert.equal(buildUnit('w@30.service', text).requirements.preemptible, false);
  // The template itself defers the instance-dependent value; a bad instance is refused by name.
  assert.equal(buildUnit('w@.service', text).requirements.priority, undefined);
  assert.throws(() => buildUnit('w@big.service', text), /w@big.service|priority "big"/);
  assert.equal(buildUnit('t@1.service', '[X-Fleet]\nPriority=50\n').requirements.priority, 50);
});

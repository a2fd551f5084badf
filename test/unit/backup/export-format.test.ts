import { test } from 'node:test';
import assert from 'node:assert/strict';
import { exportFiles, InvalidExportError, planImport, readExport, type ExistingUnit } from '../../../src/backup/index.js';
import { buildUnit } from '../../../src/units/index.js';

const WEB = '[Unit]\nDescription=web\n\n[Service]\nExecStart=/bin/sleep 1000\nExecStartPre=/bin/true\nExecStartPre=/bin/echo two\n\n[X-Fleet]\nMachineMetadata=az=1\nMachineMetadata=disk=ssd\n';
const TEMPLATE = '[Service]\nExecStart=/bin/echo %i\n';

function unit(name: string, text: string, desiredState: 'inactive' | 'loaded' | 'launched') {
  return { name, options: buildUnit(name, text).options, desiredState };
}

function problems(files: Record<string, string>): readonly string[] {
  try {
    readExport(new Map(Object.entries(files)));
  } catch (err) {
    assert.ok(err instanceof InvalidExportError, String(err));
    return err.problems;
  }
  assert.fail('expected InvalidExportError');
}

test('export: a manifest with one line per unit, canonical unit files, no policy file for the default policy; deterministic', () => {
  const units = [unit('web.service', WEB, 'launched'), unit('job@.service', TEMPLATE, 'inactive'), unit('job@1.service', TEMPLATE, 'loaded')];
  const files = exportFiles(units, { strategy: 'spread', scorers: {}, enforce: false, bestEffort: { cpu: 0.1, memory: 209715200 } });
  assert.deepEqual([...files.keys()], ['fleet-export.json', 'units/job@.service', 'units/job@1.service', 'units/web.service']);
  assert.equal(
    files.get('fleet-export.json'),
    '{\n  "format": "fleet-export/1",\n  "units": {\n    "job@.service": "inactive",\n    "job@1.service": "loaded",\n    "web.service": "launched"\n  }\n}\n',
  );
  assert.equal(files.get('units/web.service'), buildUnit('web.service', WEB).text);
  assert.deepEqual(exportFiles([...units].reverse()), files, 'input order does not matter');
});

test('export then import: same units, same hashes (a restored unit is the one that runs), same desired states, policy kept', () => {
  const units = [unit('web.service', WEB, 'launched'), unit('job@.service', TEMPLATE, 'inactive'), unit('job@1.service', TEMPLATE, 'loaded')];
  const policy = { strategy: 'binpack', scorers: { balanced: 2 }, spreadBy: 'az', enforce: false, bestEffort: { cpu: 0.1, memory: 209715200 }, preemption: true };
  const back = readExport(exportFiles(units, policy));
  assert.deepEqual(
    back.units.map((u) => [u.unit.name, u.unit.hash, u.desiredState]),
    [
      ['job@.service', buildUnit('job@.service', TEMPLATE).hash, 'inactive'],
      ['job@1.service', buildUnit('job@1.service', TEMPLATE).hash, 'loaded'],
      ['web.service', buildUnit('web.service', WEB).hash, 'launched'],
    ],
  );
  assert.deepEqual(back.policy, policy);
  assert.equal(readExport(exportFiles(units)).policy, undefined);
});

test('import validation: every problem is named (file, unit, line, value) before anything is written', () => {
  assert.deepEqual(problems({}), ['fleet-export.json not found (is this a directory written by fleetctl export?)']);
  assert.match(problems({ 'fleet-export.json': '{' })[0]!, /^fleet-export\.json is not JSON: /);
  assert.deepEqual(
    problems({
      'fleet-export.json': JSON.stringify({
        format: 'fleet-export/9',
        extra: 1,
        units: { 'a.service': 'running', 'b@.service': 'launched', 'c.service': 'launched', 'd.service': 'inactive', '.x.service': 'inactive' },
      }),
      'units/a.service': '[Service]\nExecStart=/bin/true\n',
      'units/b@.service': '[Service]\nExecStart=/bin/true\n',
      'units/d.service': '[Service]\nExecStart=/bin/true\nbroken line\n',
      'units/e.service': '[Service]\nExecStart=/bin/true\n',
      'policy.json': '{"strategy":"pack"}',
    }),
    [
      'fleet-export.json: unknown field "extra" (known: format, units)',
      'fleet-export.json: format "fleet-export/9" is not "fleet-export/1"',
      'fleet-export.json: unit a.service: desired state "running" is not one of inactive, loaded, launched',
      'fleet-export.json: unit b@.service is a template and cannot be launched',
      'fleet-export.json: invalid unit name ".x.service": ' + problemsOfName('.x.service'),
      'units/e.service is not listed in fleet-export.json',
      'unit c.service is listed in fleet-export.json but units/c.service is missing',
      'units/d.service: line 3: ' + lineProblem('[Service]\nExecStart=/bin/true\nbroken line\n'),
      'policy.json: invalid policy: strategy "pack" is not one of spread, binpack, random',
    ],
  );
});

function problemsOfName(name: string): string {
  try {
    buildUnit(name, '[Service]\nExecStart=/bin/true\n');
  } catch (err) {
    return (err as Error).message;
  }
  return '?';
}

function lineProblem(text: string): string {
  try {
    buildUnit('d.service', text);
  } catch (err) {
    return (err as { reason: string }).reason;
  }
  return '?';
}

test('planImport: create, replace, setDesired, unchanged; templates first; units not exported are left alone', () => {
  const contents = readExport(exportFiles([unit('web.service', WEB, 'launched'), unit('job@.service', TEMPLATE, 'inactive'), unit('a.service', TEMPLATE, 'loaded'), unit('b.service', TEMPLATE, 'launched')]));
  const existing = new Map<string, ExistingUnit>([
    ['web.service', { hash: buildUnit('web.service', WEB).hash, desiredState: 'launched' }],
    ['a.service', { hash: buildUnit('a.service', TEMPLATE).hash, desiredState: 'launched' }],
    ['b.service', { hash: 'other', desiredState: 'launched' }],
    ['other.service', { hash: 'x', desiredState: 'launched' }],
  ]);
  assert.deepEqual(
    planImport(contents, existing).map((s) => [s.kind, s.unit.name, s.desiredState]),
    [
      ['create', 'job@.service', 'inactive'],
      ['setDesired', 'a.service', 'loaded'],
      ['replace', 'b.service', 'launched'],
      ['unchanged', 'web.service', 'launched'],
    ],
  );
  assert.deepEqual(
    planImport(contents, new Map()).map((s) => s.kind),
    ['create', 'create', 'create', 'create'],
  );
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidUnitNameError, validateUnitName } from '../../../src/units/index.js';
import { unitNameFromPath, unitObjectPath } from '../../../src/systemd/unit-names.js';
import { hasInstallSection } from '../../../src/systemd/unit-text.js';

test('unit object paths are encoded as systemd does', () => {
  const cases: Array<[string, string]> = [
    ['hello.service', 'hello_2eservice'],
    ['web@1.service', 'web_401_2eservice'],
    ['1st.service', '_31st_2eservice'],
    ['a-b_c.service', 'a_2db_5fc_2eservice'],
    ['', '_'],
  ];
  for (const [name, label] of cases) {
    assert.equal(unitObjectPath(name), `/org/freedesktop/systemd1/unit/${label}`, name);
    assert.equal(unitNameFromPath(`/org/freedesktop/systemd1/unit/${label}`), name, label);
  }
});

test('non-unit paths have no unit name', () => {
  assert.equal(unitNameFromPath('/org/freedesktop/systemd1'), undefined);
  assert.equal(unitNameFromPath('/org/freedesktop/systemd1/job/12'), undefined);
  assert.equal(unitNameFromPath('/org/freedesktop/systemd1/unit/'), undefined);
});

test('the driver\'s guard (the one unit-name rule) refuses names that could escape or hide in its directory', () => {
  for (const bad of ['', '.hidden.service', '../x.service', 'a/b.service', 'nul\0.service', `${'a'.repeat(300)}.service`]) {
    assert.throws(() => validateUnitName(bad), InvalidUnitNameError, JSON.stringify(bad));
  }
  for (const good of ['hello.service', 'web@1.service', 'tpl@.service', 'a..b.service']) validateUnitName(good);
});

test('[Install] counts only with an option in it', () => {
  assert.equal(hasInstallSection('[Service]\nExecStart=/bin/true\n[Install]\nWantedBy=multi-user.target\n'), true);
  assert.equal(hasInstallSection('[Install]\n# WantedBy=x\n\n[Service]\nExecStart=/bin/true\n'), false);
  assert.equal(hasInstallSection('[Service]\nExecStart=/bin/echo [Install]\n'), false);
  assert.equal(hasInstallSection('[X-Fleet]\nGlobal=true\n'), false);
});

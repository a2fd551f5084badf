import { test } from 'node:test';
import assert from 'node:assert/strict';
import { carriesInstallInfo, loadStateOf, parseFakeUnit, startOutcome } from '../../../src/systemd/fake-unit-model.js';

test('load state: what systemd 252 refuses', () => {
  const cases: Array<[string, string, string]> = [
    ['sleep', '[Service]\nExecStart=/bin/sleep 1\n', 'loaded'],
    ['no ExecStart', '[Service]\nType=simple\n', 'bad-setting'],
    ['only ExecStop', '[Service]\nExecStop=/bin/true\n', 'loaded'],
    ['bad Type= is ignored', '[Service]\nType=bogus\nExecStart=/bin/sleep 1\n', 'loaded'],
    ['two ExecStart, simple', '[Service]\nExecStart=/bin/true\nExecStart=/bin/true\n', 'bad-setting'],
    ['two ExecStart, oneshot', '[Service]\nType=oneshot\nExecStart=/bin/true\nExecStart=/bin/true\n', 'loaded'],
    ['empty assignment resets', '[Service]\nExecStart=/bin/true\nExecStart=\nExecStart=/bin/sleep 1\n', 'loaded'],
  ];
  for (const [label, text, want] of cases) assert.equal(loadStateOf(parseFakeUnit('x.service', text)), want, label);
  assert.equal(loadStateOf(parseFakeUnit('x.timer', '[Timer]\nOnCalendar=daily\n')), 'loaded');
});

test('start outcome follows the program and Type=', () => {
  const o = (text: string): string => {
    const r = startOutcome(parseFakeUnit('x.service', text));
    return `${r.initial.activeState}/${r.initial.subState}${r.final ? ` -> ${r.final.activeState}/${r.final.subState}` : ''}`;
  };
  assert.equal(o('[Service]\nExecStart=/bin/sleep 600\n'), 'active/running');
  assert.equal(o('[Service]\nExecStart=/bin/false\n'), 'active/running -> failed/failed');
  assert.equal(o('[Service]\nExecStart=-/usr/bin/true\n'), 'active/running -> inactive/dead');
  assert.equal(o('[Service]\nType=oneshot\nExecStart=/bin/true\n'), 'inactive/dead');
  assert.equal(o('[Service]\nType=oneshot\nRemainAfterExit=yes\nExecStart=/bin/true\n'), 'active/exited');
  assert.equal(o('[Service]\nType=oneshot\nExecStart=/bin/false\n'), 'failed/failed');
  assert.equal(o('[Service]\nType=oneshot\nExecStart=/bin/sleep 9\n'), 'activating/start');
});

test('carries install info only with install rules', () => {
  assert.equal(carriesInstallInfo(parseFakeUnit('x.service', '[Install]\nWantedBy=a.target b.target\n')), true);
  assert.equal(carriesInstallInfo(parseFakeUnit('x.service', '[Install]\nAlias=y.service\n')), true);
  assert.equal(carriesInstallInfo(parseFakeUnit('x.service', '[Install]\nDefaultInstance=1\n')), false);
  assert.equal(carriesInstallInfo(parseFakeUnit('x.service', '[Service]\nExecStart=/bin/true\n')), false);
});

test('parser keeps repeated keys, joins continuations, skips comments', () => {
  const def = parseFakeUnit('x.service', '# c\n[Service]\nExecStartPre=/a\nExecStartPre=/b \\\n  --flag\n; c\n');
  assert.deepEqual(def.sections.get('Service')?.get('ExecStartPre'), ['/a', '/b    --flag']);
});

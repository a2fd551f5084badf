import { test } from 'node:test';
import assert from 'node:assert/strict';
import { journalArgv, statusArgv } from '../../../src/api/command-argv.js';
import { activationFds, clearActivationEnv } from '../../../src/api/listeners.js';
import { route } from '../../../src/api/router.js';

test('command lines are fixed; user scope adds --user to systemctl only', () => {
  assert.deepEqual(statusArgv('system', 'a.service'), ['systemctl', 'status', '-l', '--no-pager', '--full', '--', 'a.service']);
  assert.deepEqual(statusArgv('user', 'a.service'), ['systemctl', '--user', 'status', '-l', '--no-pager', '--full', '--', 'a.service']);
  assert.deepEqual(journalArgv('a.service', { lines: 5, output: 'cat', follow: true }), ['journalctl', '-u', 'a.service', '--no-pager', '-n', '5', '-o', 'cat', '-f']);
  assert.throws(() => journalArgv('a.service', { lines: 1.5, output: 'cat', follow: false }), RangeError);
  assert.throws(() => journalArgv('a.service', { lines: 1, output: '--all', follow: false }), RangeError);
});

test('activationFds follows sd_listen_fds: only for our pid, fds from 3', () => {
  assert.deepEqual(activationFds({ LISTEN_PID: '42', LISTEN_FDS: '2' }, 42), [3, 4]);
  assert.deepEqual(activationFds({ LISTEN_PID: '41', LISTEN_FDS: '2' }, 42), []);
  assert.deepEqual(activationFds({ LISTEN_PID: '42', LISTEN_FDS: 'x' }, 42), []);
  assert.deepEqual(activationFds({}, 42), []);
  const env: NodeJS.ProcessEnv = { LISTEN_PID: '42', LISTEN_FDS: '1', LISTEN_FDNAMES: 'api', PATH: '/bin' };
  clearActivationEnv(env);
  assert.deepEqual(env, { PATH: '/bin' });
});

test('routes: both prefixes, decoded names, metrics', () => {
  const m = async () => ({ kind: 'empty' as const, status: 200 });
  const cases: Array<[string, string, string[]]> = [
    ['/fleet/v1/units', 'units', ['units']],
    ['/v1-alpha/units/a%40b.service', 'unit', ['units', 'a@b.service']],
    ['/fleet/v1/units/a.service/journal', 'unitJournal', ['units', 'a.service', 'journal']],
    ['/fleet/v1/state/a.service', 'unitState', ['state', 'a.service']],
    ['/metrics', 'metrics', []],
    ['/fleet/v1/units/', 'unknown', []],
    ['/fleet/v1/machines/m1', 'unknown', []],
    ['/', 'root', []],
  ];
  for (const [path, resource, segments] of cases) {
    const r = route(path, m);
    assert.deepEqual([r.resource, r.segments], [resource, segments], path);
  }
});

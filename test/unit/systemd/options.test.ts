import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SystemdConfigError } from '../../../src/systemd/errors.js';
import { resolveDriverOptions } from '../../../src/systemd/options.js';

test('system scope defaults: system bus, /run/fleet/units', () => {
  const o = resolveDriverOptions({}, {});
  assert.equal(o.scope, 'system');
  assert.equal(o.busAddress, 'unix:path=/run/dbus/system_bus_socket');
  assert.equal(o.unitsDir, '/run/fleet/units');
  assert.equal(o.systemdRuntimeDir, '/run/systemd/system');
  assert.equal(o.callTimeoutMs, 10_000);
  assert.equal(resolveDriverOptions({}, { DBUS_SYSTEM_BUS_ADDRESS: 'unix:path=/x' }).busAddress, 'unix:path=/x');
});

test('user scope follows XDG_RUNTIME_DIR and DBUS_SESSION_BUS_ADDRESS', () => {
  const o = resolveDriverOptions({ scope: 'user' }, { XDG_RUNTIME_DIR: '/run/user/7', DBUS_SESSION_BUS_ADDRESS: 'unix:path=/run/user/7/bus' });
  assert.equal(o.busAddress, 'unix:path=/run/user/7/bus');
  assert.equal(o.unitsDir, '/run/user/7/fleet/units');
  assert.equal(o.systemdRuntimeDir, '/run/user/7/systemd/user');
});

test('user scope without its variables, or a non-positive duration, is a config error', () => {
  assert.throws(() => resolveDriverOptions({ scope: 'user' }, { XDG_RUNTIME_DIR: '/r' }), (e: unknown) => e instanceof SystemdConfigError && e.option === 'busAddress');
  assert.throws(() => resolveDriverOptions({ scope: 'user' }, { DBUS_SESSION_BUS_ADDRESS: 'unix:path=/b' }), SystemdConfigError);
  assert.throws(() => resolveDriverOptions({ callTimeoutMs: 0 }, {}), (e: unknown) => e instanceof SystemdConfigError && e.option === 'callTimeoutMs');
  // explicit values make the variables unnecessary
  const o = resolveDriverOptions({ scope: 'user', unitsDir: '/u', busAddress: 'unix:path=/b' }, {});
  assert.equal(o.unitsDir, '/u');
});

#!/usr/bin/env node
// Evidence for the D-Bus library choice (src/systemd/README.md): subscribe to
// and unsubscribe from one signal N times through proxy objects, then ask the
// bus daemon how many match rules it holds. Needs a session bus
// (DBUS_SESSION_BUS_ADDRESS, e.g. `dbus-daemon --session --fork --print-address`)
// and the library to test importable by name or path, e.g.
//   npm i --prefix /tmp/cmp dbus-next@0.10.2 @jellybrick/dbus-next@0.11.3
//   node --expose-gc scripts/sandbox/measure-match-rules.mjs /tmp/cmp/node_modules/dbus-next/index.js 2000
import { execFileSync } from 'node:child_process';

const [lib, cyclesArg] = process.argv.slice(2);
const cycles = Number(cyclesArg ?? 500);
const mod = await import(lib);
const dbus = mod.default ?? mod;
const matchRules = () => {
  const out = execFileSync('dbus-send', ['--session', '--print-reply', '--dest=org.freedesktop.DBus', '/org/freedesktop/DBus', 'org.freedesktop.DBus.Debug.Stats.GetStats'], { encoding: 'utf8' });
  return Number(/"MatchRules"\s*variant\s*uint32 (\d+)/.exec(out)[1]);
};
const heapKiB = () => {
  globalThis.gc?.();
  return Math.round(process.memoryUsage().heapUsed / 1024);
};
const bus = dbus.sessionBus();
{
  const o = await bus.getProxyObject('org.freedesktop.DBus', '/org/freedesktop/DBus');
  o.getInterface('org.freedesktop.DBus');
}
const before = { rules: matchRules(), heap: heapKiB() };
const t0 = Date.now();
for (let i = 0; i < cycles; i++) {
  const obj = await bus.getProxyObject('org.freedesktop.DBus', '/org/freedesktop/DBus');
  const iface = obj.getInterface('org.freedesktop.DBus');
  const h = () => {};
  iface.on('NameOwnerChanged', h);
  await new Promise((r) => setTimeout(r, 0));
  iface.removeListener('NameOwnerChanged', h);
}
await bus.call(new dbus.Message({ destination: 'org.freedesktop.DBus', path: '/org/freedesktop/DBus', interface: 'org.freedesktop.DBus', member: 'GetId' }));
console.log(JSON.stringify({ lib, cycles, matchRulesBefore: before.rules, matchRulesAfter: matchRules(), heapKiBBefore: before.heap, heapKiBAfter: heapKiB(), ms: Date.now() - t0 }));
bus.disconnect();

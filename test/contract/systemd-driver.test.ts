import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { DriverEvent, UnitState } from '../../src/systemd/driver.js';
import { InvalidUnitNameError } from '../../src/units/index.js';
import { SystemdCallError, SystemdTimeoutError, UnitEnableError } from '../../src/systemd/errors.js';
import { dbusHarness, fakeHarness, type DriverHarness } from '../support/sandbox-driver-harness.js';
import { startSandboxHost, type SandboxHost } from '../../src/sandbox/host.js';

const SLEEP = '[Unit]\nDescription=sleeps\n\n[Service]\nExecStart=/bin/sleep 600\n';
const FALSE = '[Service]\nExecStart=/bin/false\n';
const NO_EXEC = '[Unit]\nDescription=no ExecStart\n\n[Service]\nType=simple\n';

let seq = 0;
/** Unique per test so tests on one real host never share a unit. */
const unitName = (base: string): string => `${base}-${++seq}.service`;

async function eventually<T>(probe: () => Promise<T>, check: (v: T) => boolean, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T = await probe();
  while (!check(last)) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}; last: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 20));
    last = await probe();
  }
  return last;
}

const triple = (s: UnitState): string => `${s.loadState}/${s.activeState}/${s.subState}`;

/**
 * The contract every SystemdDriver meets. `makeHarness` builds a fresh
 * driver (with its own units directory) for each test.
 */
function driverContract(makeHarness: () => Promise<DriverHarness>): void {
  let h: DriverHarness;
  let events: DriverEvent[];
  let unsubscribe: () => void;
  const stateOf = async (name: string): Promise<UnitState> => (await h.driver.listStates([name]))[0] as UnitState;
  const waitState = (name: string, want: string): Promise<UnitState> => eventually(() => stateOf(name), (s) => triple(s) === want, `${name} ${want}`);
  const stateEvents = (name: string): UnitState[] =>
    events.flatMap((e) => (e.type === 'state' && e.state.name === name ? [e.state] : []));

  beforeEach(async () => {
    h = await makeHarness();
    events = [];
    unsubscribe = h.driver.subscribe((e) => events.push(e));
  });
  afterEach(async () => {
    unsubscribe();
    await h.cleanup();
    // dedup holds for everything a test saw: no unit reports the same state twice in a row
    const byUnit = new Map<string, string[]>();
    for (const e of events) if (e.type === 'state') byUnit.set(e.state.name, [...(byUnit.get(e.state.name) ?? []), triple(e.state)]);
    for (const [name, seen] of byUnit) seen.forEach((t, i) => assert.notEqual(t, seen[i - 1], `${name} repeated ${t}`));
  });

  test('load + start a sleep unit: loaded/active/running with a main pid, state events, stop, unload', async () => {
    const name = unitName('sleeper');
    const results = await h.driver.loadUnits([{ name, text: SLEEP }]);
    assert.deepEqual(results, [{ name }]);
    assert.deepEqual(await h.driver.managedUnits(), [name]);
    assert.equal(await h.driver.readUnit(name), SLEEP, 'the file holds exactly the text given');
    assert.equal(triple(await stateOf(name)), 'loaded/inactive/dead');
    assert.equal(await h.driver.unitFileState(name), 'linked-runtime');

    await h.driver.start(name);
    const running = await waitState(name, 'loaded/active/running');
    assert.ok(running.mainPid && running.mainPid > 0, 'running service has a main pid');
    await eventually(async () => stateEvents(name).map(triple), (t) => t.includes('loaded/active/running'), 'running event');

    await h.driver.stop(name);
    const stopped = await waitState(name, 'loaded/inactive/dead');
    assert.equal(stopped.mainPid, undefined);
    await eventually(async () => stateEvents(name).map(triple).at(-1), (t) => t === 'loaded/inactive/dead', 'stopped event');

    await h.driver.start(name);
    await waitState(name, 'loaded/active/running');
    await h.driver.unload(name);
    await h.driver.reload();
    assert.equal(triple(await stateOf(name)), 'not-found/inactive/dead');
    assert.deepEqual(await h.driver.managedUnits(), []);
    assert.equal(await h.driver.readUnit(name), undefined);
    assert.equal(await h.driver.unitFileState(name), undefined);
    assert.ok(events.some((e) => e.type === 'removed' && e.name === name), 'removed event');
  });

  test('ExecStart=/bin/false is reported failed, though its start job succeeds', async () => {
    const name = unitName('falsy');
    assert.deepEqual(await h.driver.loadUnits([{ name, text: FALSE }]), [{ name }]);
    await h.driver.start(name);
    await waitState(name, 'loaded/failed/failed');
    await eventually(async () => stateEvents(name).map(triple).at(-1), (t) => t === 'loaded/failed/failed', 'failed event');
    // a failed unit unloads cleanly (reset-failed) and is gone after reload
    await h.driver.unload(name);
    await h.driver.reload();
    assert.equal(triple(await stateOf(name)), 'not-found/inactive/dead');
  });

  test('a unit systemd rejects (no ExecStart) loads as bad-setting and refuses to start', async () => {
    const name = unitName('noexec');
    assert.deepEqual(await h.driver.loadUnits([{ name, text: NO_EXEC }]), [{ name }]);
    assert.equal(triple(await stateOf(name)), 'bad-setting/inactive/dead');
    await assert.rejects(h.driver.start(name), (err: unknown) => {
      assert.ok(err instanceof SystemdCallError);
      assert.equal(err.dbusName, 'org.freedesktop.systemd1.BadUnitSetting');
      assert.equal(err.unitName, name);
      return true;
    });
  });

  test('units nobody loaded are not-found; starting one is a typed error', async () => {
    const name = unitName('ghost');
    assert.equal(triple(await stateOf(name)), 'not-found/inactive/dead');
    await assert.rejects(h.driver.start(name), (err: unknown) => err instanceof SystemdCallError && err.dbusName === 'org.freedesktop.systemd1.NoSuchUnit');
    await h.driver.unload(name); // unloading something systemd does not know is not an error
  });

  test('[Install] WantedBy= gets enabled (runtime) and starts with the unit that wants it', async () => {
    const base = unitName('base');
    const wanted = unitName('wanted');
    const results = await h.driver.loadUnits([
      { name: base, text: SLEEP },
      { name: wanted, text: `${SLEEP}\n[Install]\nWantedBy=${base}\n` },
    ]);
    assert.deepEqual(results, [{ name: base }, { name: wanted }]);
    assert.equal(await h.driver.unitFileState(wanted), 'enabled-runtime');
    assert.equal(await h.driver.unitFileState(base), 'linked-runtime');
    await h.driver.start(base);
    await waitState(wanted, 'loaded/active/running');
  });

  test('a replaced unit gets its new definition, whether systemd held it loaded, bad or just unloaded', async () => {
    const name = unitName('replaced');
    await h.driver.loadUnits([{ name, text: NO_EXEC }]);
    assert.equal(triple(await stateOf(name)), 'bad-setting/inactive/dead');
    await h.driver.loadUnits([{ name, text: SLEEP }]);
    assert.equal(triple(await stateOf(name)), 'loaded/inactive/dead');
    await h.driver.start(name);
    await waitState(name, 'loaded/active/running');
    await h.driver.stop(name);
    await waitState(name, 'loaded/inactive/dead');
    await h.driver.loadUnits([{ name, text: NO_EXEC }]);
    assert.equal(triple(await stateOf(name)), 'bad-setting/inactive/dead');
    // the agent's replace: unload (no reload of its own), then load the new text
    await h.driver.loadUnits([{ name, text: SLEEP }]);
    await h.driver.start(name);
    await waitState(name, 'loaded/active/running');
    await h.driver.unload(name);
    await h.driver.loadUnits([{ name, text: NO_EXEC }]);
    assert.equal(triple(await stateOf(name)), 'bad-setting/inactive/dead');
    assert.equal(await h.driver.unitFileState(name), 'linked-runtime');
  });

  test('a batch of new units is linked and started without a daemon reload; unload removes the links', async () => {
    const names = Array.from({ length: 60 }, () => unitName('batch'));
    const reloads = h.driver.reloadCount;
    const results = await h.driver.loadUnits(names.map((name) => ({ name, text: SLEEP })));
    assert.deepEqual(results, names.map((name) => ({ name })));
    assert.equal(h.driver.reloadCount, reloads, 'systemd loads units new to it on first reference');
    assert.equal(await h.driver.unitFileState(names[0]!), 'linked-runtime');
    assert.equal(await h.driver.unitFileState(names.at(-1)!), 'linked-runtime');
    await Promise.all(names.map((n) => h.driver.start(n)));
    await eventually(() => h.driver.listStates(names), (ss) => ss.every((s) => triple(s) === 'loaded/active/running'), 'all running', 30_000);
    await Promise.all(names.map((n) => h.driver.unload(n)));
    await h.driver.reload();
    assert.deepEqual(await h.driver.managedUnits(), []);
    assert.equal(await h.driver.unitFileState(names[0]!), undefined);
    const after = await h.driver.listStates(names);
    assert.deepEqual(after.filter((s) => triple(s) !== 'not-found/inactive/dead'), []);
  });

  test('fleet\'s drop-in is written with the unit (no reload), rewritten or removed on request, and goes with the unit', async () => {
    const name = unitName('dropin');
    const limits = '[Service]\nMemoryMax=268435456\n';
    const reloads = h.driver.reloadCount;
    assert.deepEqual(await h.driver.loadUnits([{ name, text: SLEEP, dropIn: limits }]), [{ name }]);
    assert.equal(h.driver.reloadCount, reloads, 'a new unit reads its drop-in on first load');
    assert.equal(await h.driver.readDropIn(name), limits);
    await h.driver.setDropIn(name, '[Service]\nMemoryMax=1048576\n');
    assert.equal(await h.driver.readDropIn(name), '[Service]\nMemoryMax=1048576\n');
    await h.driver.setDropIn(name, undefined);
    assert.equal(await h.driver.readDropIn(name), undefined);
    await h.driver.setDropIn(name, limits);
    await h.driver.unload(name);
    assert.equal(await h.driver.readDropIn(name), undefined, 'unload removes the drop-in');
    await assert.rejects(h.driver.setDropIn('../x.service', limits), InvalidUnitNameError);
  });

  test('an [Install] unit that cannot be enabled is removed again and reported', async () => {
    const name = unitName('noinstall');
    const [result] = await h.driver.loadUnits([{ name, text: SLEEP, hasInstall: true }]);
    assert.ok(result?.error instanceof UnitEnableError, `got ${String(result?.error)}`);
    assert.deepEqual(await h.driver.managedUnits(), []);
  });

  test('unsafe names are refused before any path is touched', async () => {
    for (const bad of ['../etc.service', 'a/b.service', '.hidden.service', '']) {
      const [r] = await h.driver.loadUnits([{ name: bad, text: SLEEP }]);
      assert.ok(r?.error instanceof InvalidUnitNameError, `${bad}: ${String(r?.error)}`);
      await assert.rejects(h.driver.unload(bad), InvalidUnitNameError);
      await assert.rejects(h.driver.start(bad), InvalidUnitNameError);
    }
    assert.deepEqual(await h.driver.managedUnits(), []);
  });

  test('a call systemd does not answer fails with SystemdTimeoutError; an unload that cannot stop keeps its file', async () => {
    const name = unitName('stuck');
    await h.driver.loadUnits([{ name, text: SLEEP }]);
    await h.stall();
    try {
      const t0 = Date.now();
      await assert.rejects(h.driver.listStates([name]), (err: unknown) => {
        assert.ok(err instanceof SystemdTimeoutError, String(err));
        assert.equal(err.retryable, true);
        return true;
      });
      assert.ok(Date.now() - t0 < h.callTimeoutMs + 2000, 'fails within the call timeout');
      await assert.rejects(h.driver.unload(name), SystemdTimeoutError);
      assert.deepEqual(await h.driver.managedUnits(), [name], 'file kept for the next pass (fleet quirk #6 fixed)');
    } finally {
      await h.resume();
    }
    await eventually(() => stateOf(name).then(triple, () => 'error'), (t) => t.startsWith('loaded/'), 'answers again');
  });

  test('a lost bus connection is reported, re-established and resynced', async () => {
    const name = unitName('survivor');
    await h.driver.loadUnits([{ name, text: SLEEP }]);
    await h.driver.start(name);
    await waitState(name, 'loaded/active/running');
    await h.breakConnection();
    await eventually(async () => events.map((e) => e.type), (t) => t.includes('disconnected') && t.includes('reconnected'), 'disconnected then reconnected');
    const types = events.map((e) => e.type);
    assert.ok(types.indexOf('disconnected') < types.lastIndexOf('reconnected'));
    await h.driver.stop(name);
    await waitState(name, 'loaded/inactive/dead');
  });
}

describe('systemd driver contract: in-memory fake', () => {
  driverContract(() => fakeHarness());
});

describe('systemd driver contract: D-Bus driver on a sandbox host', () => {
  let host: SandboxHost | undefined;
  before(async () => {
    host = await startSandboxHost({ label: 'contract' });
  });
  after(async () => {
    await host?.stop();
  });
  driverContract(() => dbusHarness(host as SandboxHost));
});

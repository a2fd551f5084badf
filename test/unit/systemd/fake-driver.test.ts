import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../../src/clock.js';
import type { DriverEvent, UnitState } from '../../../src/systemd/driver.js';
import { SystemdCallError, SystemdClosedError, SystemdTimeoutError, SystemdUnavailableError } from '../../../src/systemd/errors.js';
import { FakeSystemdDriver } from '../../../src/systemd/fake-driver.js';

const SLEEP = '[Service]\nExecStart=/bin/sleep 600\n';
const triple = (s: UnitState | undefined): string => (s ? `${s.loadState}/${s.activeState}/${s.subState}` : 'none');

function setup(): { clock: ManualClock; d: FakeSystemdDriver; events: DriverEvent[]; state: (n: string) => Promise<string> } {
  const clock = new ManualClock();
  const d = new FakeSystemdDriver({ clock, callTimeoutMs: 1000, exitDelayMs: 5 });
  const events: DriverEvent[] = [];
  d.subscribe((e) => events.push(e));
  return { clock, d, events, state: async (n) => triple((await d.listStates([n]))[0]) };
}

test('new units need no daemon reload; a batch replacing a loaded unit gets exactly one', async () => {
  const { d, state } = setup();
  await d.loadUnits([{ name: 'a.service', text: SLEEP }, { name: 'b.service', text: SLEEP }, { name: 'c.service', text: SLEEP }]);
  assert.equal(d.reloadCount, 0, 'systemd loads new units on first reference');
  assert.equal(await state('a.service'), 'loaded/inactive/dead');
  await d.loadUnits([{ name: 'a.service', text: '[Service]\nType=simple\n' }, { name: 'b.service', text: SLEEP }, { name: 'e.service', text: SLEEP }]);
  assert.equal(d.reloadCount, 1, 'a and b were held in memory: one reload for the batch');
  assert.equal(await state('a.service'), 'bad-setting/inactive/dead', 'the replaced unit has its new definition');
  await d.loadUnits([{ name: 'a.service', text: SLEEP }], { reload: false });
  assert.equal(d.reloadCount, 1, 'none when asked not to');
  await d.loadUnits([{ name: 'w.service', text: `${SLEEP}[Install]\nWantedBy=a.service\n` }]);
  assert.equal(d.reloadCount, 2, 'enabling changes dependencies: reload');
  await d.loadUnits([{ name: '../bad', text: SLEEP }]);
  assert.equal(d.reloadCount, 2, 'nothing loaded, nothing to reload');
});

test('a changed file only takes effect after reload, as in systemd', async () => {
  const { d, state } = setup();
  await d.loadUnits([{ name: 'x.service', text: '[Service]\nType=simple\n' }]);
  assert.equal(await state('x.service'), 'bad-setting/inactive/dead');
  await d.loadUnits([{ name: 'x.service', text: SLEEP }], { reload: false });
  await assert.rejects(d.start('x.service'), (e: unknown) => e instanceof SystemdCallError && e.dbusName.endsWith('BadUnitSetting'));
  await d.reload();
  assert.equal(await state('x.service'), 'loaded/inactive/dead');
  await d.start('x.service');
  const [s] = await d.listStates(['x.service']);
  assert.equal(triple(s), 'loaded/active/running');
  assert.ok((s?.mainPid ?? 0) > 0);
});

test('/bin/false runs, then fails when its process exits; stop keeps it failed; unload resets it', async () => {
  const { clock, d, events, state } = setup();
  await d.loadUnits([{ name: 'f.service', text: '[Service]\nExecStart=/bin/false\n' }]);
  await d.start('f.service');
  assert.equal(await state('f.service'), 'loaded/active/running');
  await clock.advance(5);
  assert.equal(await state('f.service'), 'loaded/failed/failed');
  await d.stop('f.service');
  assert.equal(await state('f.service'), 'loaded/failed/failed');
  await d.unload('f.service');
  await d.reload();
  assert.equal(await state('f.service'), 'not-found/inactive/dead');
  assert.deepEqual(
    events.map((e) => (e.type === 'state' ? triple(e.state) : e.type)),
    ['loaded/inactive/dead', 'loaded/active/running', 'loaded/failed/failed', 'loaded/inactive/dead', 'not-found/inactive/dead', 'removed'],
  );
});

test('a stalled call times out on the clock; a resumed one completes', async () => {
  const { clock, d } = setup();
  await d.loadUnits([{ name: 'a.service', text: SLEEP }]);
  d.stall();
  const timedOut = d.listStates(['a.service']);
  const outcome = timedOut.then(
    () => 'resolved',
    (e: unknown) => (e instanceof SystemdTimeoutError ? `timeout ${e.method}` : String(e)),
  );
  await clock.advance(999);
  const resumed = d.start('a.service');
  await clock.advance(1);
  assert.equal(await outcome, 'timeout ListUnitsByNames');
  d.resume();
  await resumed;
  assert.equal(triple((await d.listStates(['a.service']))[0]), 'loaded/active/running');
});

test('bus loss: calls fail as unavailable until the reconnect, which resyncs', async () => {
  const { clock, d, events } = setup();
  await d.loadUnits([{ name: 'a.service', text: SLEEP }]);
  d.simulateBusLoss(100);
  await assert.rejects(d.start('a.service'), SystemdUnavailableError);
  await clock.advance(100);
  await d.start('a.service');
  assert.deepEqual(events.map((e) => e.type), ['state', 'disconnected', 'reconnected', 'state']);
});

test('closed driver refuses calls', async () => {
  const { d } = setup();
  await d.close();
  await d.close();
  await assert.rejects(d.listStates(['a.service']), SystemdClosedError);
  await assert.rejects(d.managedUnits(), SystemdClosedError);
});

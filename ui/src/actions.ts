/**
 * Operator actions from the dashboard, as fleetctl does them through the
 * same API: start (desired `launched`), stop (desired `loaded`), restart
 * (stop, wait until nothing runs, start) and destroy. Each run logs its
 * progress into the store as it happens: the request's answer, then what
 * the machines report, until the unit got there or the wait runs out.
 */
import { ApiError, destroyUnit, setDesiredState } from './api.js';
import { healthOfState, statesOf } from './model/cluster.js';
import type { ActionRun, Store } from './store.js';

/** The actions there are. */
export type UnitAction = 'start' | 'stop' | 'restart' | 'destroy';

/** How long an action waits for the machines to report the result. */
const WAIT_MS = 60_000;

/** Runs `action` on `unit`, logging into a new store action record. Never throws. */
export async function runAction(store: Store, unit: string, action: UnitAction): Promise<void> {
  const run = store.startAction(unit, action);
  try {
    switch (action) {
      case 'start':
        await start(store, run, unit);
        break;
      case 'stop':
        await stop(store, run, unit);
        break;
      case 'restart':
        if (statesOf(store.data, unit).some((s) => healthOfState(s) === 'running' || healthOfState(s) === 'transition')) await stop(store, run, unit);
        await start(store, run, unit);
        break;
      case 'destroy':
        store.log(run, `DELETE ${unit}`);
        await destroyUnit(unit);
        store.log(run, 'destroyed');
        await waitFor(store, run, 'the unit to disappear', () => !store.data.units.has(unit));
        break;
    }
    store.log(run, `${action} done`, 'ok');
    store.finish(run, true);
  } catch (err) {
    const e = err as Error;
    store.log(run, e instanceof ApiError && e.status > 0 ? `${e.status}: ${e.message}` : e.message, 'error');
    store.finish(run, false);
  }
}

async function start(store: Store, run: ActionRun, unit: string): Promise<void> {
  store.log(run, `desired state of ${unit} → launched`);
  await setDesiredState(unit, 'launched');
  store.log(run, 'accepted; waiting for a machine to report it running');
  await waitFor(store, run, 'the unit to run', () => statesOf(store.data, unit).some((s) => healthOfState(s) === 'running'));
}

async function stop(store: Store, run: ActionRun, unit: string): Promise<void> {
  store.log(run, `desired state of ${unit} → loaded`);
  await setDesiredState(unit, 'loaded');
  store.log(run, 'accepted; waiting for every machine to report it stopped');
  await waitFor(store, run, 'the unit to stop', () => statesOf(store.data, unit).every((s) => healthOfState(s) === 'stopped' || healthOfState(s) === 'failed'));
}

/** Waits until `done()` holds on the live picture, logging each machine's reported state as it changes. */
function waitFor(store: Store, run: ActionRun, what: string, done: () => boolean): Promise<void> {
  return new Promise((resolve, reject) => {
    let last = '';
    const check = () => {
      const now = statesOf(store.data, run.unit)
        .map((s) => `${(s.machineID ?? '').slice(0, 8)}: ${s.systemdActiveState ?? '?'}/${s.systemdSubState ?? '?'}`)
        .join(', ');
      if (now !== '' && now !== last) {
        last = now;
        store.log(run, now);
      }
      if (!done()) return false;
      off();
      clearTimeout(timer);
      resolve();
      return true;
    };
    const off = store.subscribe(() => void check());
    const timer = setTimeout(() => {
      off();
      reject(new Error(`timed out after ${WAIT_MS / 1000} s waiting for ${what}`));
    }, WAIT_MS);
    check();
  });
}

/**
 * systemd's vocabulary for a unit, as fleet reads and reports it, and the
 * one meaning of "running" every layer uses (agent adoption, the API's
 * `launched`, fleetctl's waits, the D-Bus driver's main-PID reporting).
 */

/**
 * `system`: the system bus and `/run/systemd/system` (production).
 * `user`: the session bus of `DBUS_SESSION_BUS_ADDRESS` and
 * `$XDG_RUNTIME_DIR/systemd/user` (sandboxes, unprivileged use).
 */
export type SystemdScope = 'system' | 'user';

/** systemd's LoadState (unit_load_state_to_string: a closed set). */
export type LoadState = 'stub' | 'loaded' | 'not-found' | 'bad-setting' | 'error' | 'merged' | 'masked';

/** systemd's ActiveState (unit_active_state_to_string: a closed set; `maintenance`/`refreshing` since v246/v253). */
export type ActiveState = 'active' | 'reloading' | 'inactive' | 'failed' | 'activating' | 'deactivating' | 'maintenance' | 'refreshing';

/**
 * systemd's SubState. It depends on the unit type (`running`, `exited`,
 * `dead`, `start`, `listening`, `mounted`, ...), so it stays a string;
 * fleet only reports it and never decides on it.
 */
export type SubState = string;

const LOAD_STATES: ReadonlySet<string> = new Set<LoadState>(['stub', 'loaded', 'not-found', 'bad-setting', 'error', 'merged', 'masked']);

/**
 * Where a unit is in its life, as fleet reads an ActiveState:
 * `starting` (a start job runs), `up` (started), `stopping`, `down`.
 */
export type RunPhase = 'starting' | 'up' | 'stopping' | 'down';

/** The one table every "is it running / started / stopped" question is answered from. */
const PHASE: Readonly<Record<ActiveState, RunPhase>> = {
  activating: 'starting',
  active: 'up',
  reloading: 'up',
  refreshing: 'up',
  deactivating: 'stopping',
  inactive: 'down',
  failed: 'down',
  maintenance: 'down',
};

/** True when `s` is a {@link LoadState}. Never throws. */
export function isLoadState(s: unknown): s is LoadState {
  return typeof s === 'string' && LOAD_STATES.has(s);
}

/** True when `s` is an {@link ActiveState}. Never throws. */
export function isActiveState(s: unknown): s is ActiveState {
  return typeof s === 'string' && Object.hasOwn(PHASE, s);
}

/** The {@link RunPhase} of an ActiveState; a string that is no ActiveState (another server's report) is `down`. Never throws. */
export function runPhase(activeState: string): RunPhase {
  return isActiveState(activeState) ? PHASE[activeState] : 'down';
}

/**
 * Fleet's one meaning of "running": the unit was started and systemd has not
 * begun to stop it (`starting` or `up`: `activating`, `active`, `reloading`,
 * `refreshing`). `deactivating` is not running (a stop is under way, so a
 * wait for a stop may end there). This is what makes a unit `launched` in
 * the API and in fleetctl's waits, and what the agent adopts at start-up.
 */
export function isRunning(activeState: string): boolean {
  const p = runPhase(activeState);
  return p === 'starting' || p === 'up';
}

/**
 * Running and done starting (`up`: `active`, `reloading`, `refreshing`):
 * what fleetctl's start waits for after `launched`, as fleet waited for
 * `active` (a oneshot still in `activating` has not finished starting).
 */
export function isStarted(activeState: string): boolean {
  return runPhase(activeState) === 'up';
}

/**
 * True while a service may have a main process to report: any phase but
 * `down` (a `deactivating` service's process is still being stopped). Only
 * the driver's MainPID lookup asks this.
 */
export function mayHaveMainProcess(activeState: string): boolean {
  return runPhase(activeState) !== 'down';
}

/**
 * Reads a LoadState systemd sent. The set is closed in systemd's source, so
 * another word means a systemd newer than this code: it reads as `error`
 * (not loaded), which fleet reports and never starts. Never throws.
 */
export function toLoadState(s: string): LoadState {
  return isLoadState(s) ? s : 'error';
}

/** Reads an ActiveState systemd sent; an unknown word (a newer systemd) reads as `inactive`, i.e. not running. Never throws. */
export function toActiveState(s: string): ActiveState {
  return isActiveState(s) ? s : 'inactive';
}

import type { SystemdError } from './errors.js';
import type { ActiveState, LoadState, SubState } from '../domain/index.js';
import type { InvalidUnitNameError } from '../units/index.js';

/**
 * What the agent needs from the local systemd, and nothing more. Two
 * implementations pass one contract suite (`test/contract/systemd-driver.test.ts`):
 * {@link DbusSystemdDriver} (`dbus-driver.ts`) talks to a real systemd over
 * D-Bus; {@link FakeSystemdDriver} (`fake-driver.ts`) is an in-memory twin.
 *
 * Unit names arrive already validated by `src/units`; the driver still
 * refuses (InvalidUnitNameError) anything that could escape its directory.
 */
export interface SystemdDriver {
  /**
   * Writes each unit's (canonical) text to fleet's units directory (and its
   * drop-in, or removes a stale one), links it
   * into systemd's runtime directory (what LinkUnitFiles runtime+force does:
   * `systemctl is-enabled` says `linked-runtime`), enables it (runtime) when
   * it has an `[Install]` section, then issues at most ONE daemon reload for
   * the batch, and only when systemd needs it to see the files as written:
   * when it already held a definition of one of them (a replaced unit gets
   * its new definition) or `[Install]` links changed. A unit new to systemd
   * needs none: systemd loads it from its link on first reference
   * (StartUnit, ListUnitsByNames). `reload: false` never reloads; the caller
   * then must call {@link reload} before relying on new definitions.
   * Loaded units join the state stream. Returns one result per unit, in
   * input order; a unit that fails does not stop the others. Throws only for
   * a failed Reload.
   */
  loadUnits(units: readonly UnitFile[], opts?: { readonly reload?: boolean }): Promise<UnitResult[]>;
  /**
   * Writes (`text`) or removes (undefined) fleet's runtime drop-in of a unit
   * (`<systemd runtime dir>/<name>.d/fleet-resources.conf`) without telling
   * systemd: a unit systemd already holds sees it after {@link reload}.
   * Throws InvalidUnitNameError, UnitFileIoError.
   */
  setDropIn(name: string, text: string | undefined): Promise<void>;
  /** The text of fleet's drop-in of a unit; undefined when there is none. Throws InvalidUnitNameError, UnitFileIoError. */
  readDropIn(name: string): Promise<string | undefined>;
  /** Writes one unit file (mode 0644, atomically) without telling systemd. Throws InvalidUnitNameError, UnitFileIoError. */
  writeUnit(unit: UnitFile): Promise<void>;
  /**
   * Stops the unit (mode `replace`) and waits for the stop job to finish,
   * disables its runtime links, resets its failed state and deletes its
   * file and fleet's drop-in; it leaves the state stream with a `removed` event. Does not reload
   * (call {@link reload}; until then systemd may keep the old definition in
   * memory). Unlike fleet (quirk #6), a stop that fails, times out
   * (SystemdTimeoutError) or is canceled (UnitJobFailedError), or a failed
   * disable, throws and leaves the file in place so the next pass retries;
   * a unit systemd does not know is not an error.
   */
  unload(name: string): Promise<void>;
  /** Starts the unit (mode `replace`); resolves when the job is queued, not when it runs. Throws SystemdCallError (e.g. NoSuchUnit, BadUnitSetting). */
  start(name: string): Promise<void>;
  /** Stops the unit (mode `replace`); resolves when the job is queued. Throws SystemdCallError (NoSuchUnit if not loaded). */
  stop(name: string): Promise<void>;
  /** systemd daemon-reload: re-reads every unit file. */
  reload(): Promise<void>;
  /**
   * Daemon reloads this driver has issued (attempted) so far. Diagnostic: a
   * reload stalls systemd for ~1 ms per loaded unit, so tests and benches
   * check that batches do not multiply them.
   */
  readonly reloadCount: number;
  /**
   * Current state of each named unit as systemd reports it (ListUnitsByNames),
   * in input order; unknown units come back `not-found`/`inactive`/`dead`.
   */
  listStates(names: readonly string[]): Promise<UnitState[]>;
  /** systemd's unit-file state, e.g. `linked-runtime`, `enabled-runtime`; undefined when systemd has no file for it. */
  unitFileState(name: string): Promise<string | undefined>;
  /** Names of the unit files in fleet's units directory, sorted. */
  managedUnits(): Promise<string[]>;
  /**
   * The text of a unit file in fleet's units directory (what was written by
   * `loadUnits`/`writeUnit`), so the agent can hash what is on disk after a
   * restart; undefined when there is no such file. Throws InvalidUnitNameError, UnitFileIoError.
   */
  readUnit(name: string): Promise<string | undefined>;
  /**
   * Registers a listener for state changes of managed units and connection
   * events; returns the function that unregisters it. Events for one unit
   * arrive in order, deduplicated: a `state` event only when load, active or
   * sub state actually changed.
   */
  subscribe(listener: (event: DriverEvent) => void): () => void;
  /** Stops timers, drops the connection; later calls throw SystemdClosedError. Idempotent. */
  close(): Promise<void>;
}

/** A unit to load: its name and the exact text to write. */
export interface UnitFile {
  readonly name: string;
  /** File contents (fleet writes its canonical serialization, not the user's bytes). */
  readonly text: string;
  /**
   * Whether the unit has an `[Install]` section with at least one option.
   * Undefined = detect from `text` (see `hasInstallSection`).
   */
  readonly hasInstall?: boolean;
  /** fleet's runtime drop-in for the unit (see {@link SystemdDriver.setDropIn}), written before the unit is linked; undefined = none (a stale one is removed). */
  readonly dropIn?: string;
}

/** Outcome of one unit in a batch; `error` undefined = success. */
export interface UnitResult {
  readonly name: string;
  /** Why this unit failed: a systemd error, or InvalidUnitNameError (src/units) for a name the one rule refuses. */
  readonly error?: SystemdError | InvalidUnitNameError;
}

/** systemd's view of one unit. All strings are systemd's own words. */
export interface UnitState {
  readonly name: string;
  readonly loadState: LoadState;
  readonly activeState: ActiveState;
  /** Type-specific, e.g. `running`, `dead`, `failed`, `exited`, `start`. */
  readonly subState: SubState;
  /** Main process of a service while it has one; undefined otherwise. Read by `listStates`; state events do not carry it. */
  readonly mainPid?: number;
  /** systemd's restart counter of a service (`NRestarts`, systemd >= 235); undefined when not read or not a service. */
  readonly restarts?: number;
}

/** What {@link SystemdDriver.subscribe} listeners receive. */
export type DriverEvent =
  | {
      readonly type: 'state';
      readonly state: UnitState;
      /** Last state reported for this unit; undefined for the first report. */
      readonly previous: UnitState | undefined;
    }
  /** The unit was unloaded by fleet and is no longer tracked. */
  | { readonly type: 'removed'; readonly name: string }
  /** The bus connection was lost; calls fail with SystemdUnavailableError until `reconnected`. */
  | { readonly type: 'disconnected'; readonly error: Error }
  /** The connection is back, re-subscribed, and a full resync has been emitted. */
  | { readonly type: 'reconnected' };

/** True when two states differ in what the driver reports changes for (load/active/sub). */
export function stateChanged(a: UnitState | undefined, b: UnitState): boolean {
  return !a || a.loadState !== b.loadState || a.activeState !== b.activeState || a.subState !== b.subState;
}

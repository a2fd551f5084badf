import type { BusConnection } from './dbus-connection.js';
import type { UnitState } from './driver.js';
import { isNoSuchUnit, SystemdCallError } from './errors.js';
import { unitObjectPath } from './unit-names.js';
import { toActiveState, toLoadState } from '../domain/index.js';

const SYSTEMD = 'org.freedesktop.systemd1';
const MANAGER_PATH = '/org/freedesktop/systemd1';
const MANAGER = 'org.freedesktop.systemd1.Manager';

/**
 * The match rules the driver installs, a fixed three however many units
 * there are (the system bus allows 512 per connection): the Manager's
 * JobRemoved (a job's result, and a unit that may have changed) and
 * Reloading, and PropertiesChanged of the Unit interface (load/active/sub
 * state). What else systemd sends stays on the bus, unread: the Service
 * interface's PropertiesChanged (3 of the ~17 signals and a quarter of the
 * bytes per started unit, each a variant map decoded in fleetd; a state
 * change always comes with a Unit one too), JobNew, and UnitNew/UnitRemoved,
 * which systemd sends whenever it loads or garbage-collects a unit, also
 * for every lookup of a name it does not hold: re-reading a unit's state on
 * them loaded a collected unit again, which announced itself with UnitNew,
 * and so on while a loaded unit waited for its start.
 */
export const SYSTEMD_MATCH_RULES: readonly string[] = [
  // In the bus daemon's own key order, so its list of rules reads back the same.
  `type='signal',interface='${MANAGER}',member='JobRemoved',sender='${SYSTEMD}'`,
  `type='signal',interface='${MANAGER}',member='Reloading',sender='${SYSTEMD}'`,
  `type='signal',interface='org.freedesktop.DBus.Properties',member='PropertiesChanged',sender='${SYSTEMD}',arg0='org.freedesktop.systemd1.Unit'`,
];

/**
 * Typed wrappers over the systemd Manager methods fleet uses, each with the
 * driver's timeout. Every method throws what {@link BusConnection.call}
 * throws (SystemdCallError / SystemdTimeoutError / SystemdUnavailableError).
 */
export class ManagerCalls {
  constructor(
    private readonly conn: BusConnection,
    private readonly timeoutMs: number,
  ) {}

  private manager(member: string, signature: string, body: unknown[], unitName?: string): Promise<unknown[]> {
    return this.conn.call({ destination: SYSTEMD, path: MANAGER_PATH, interface: MANAGER, member, signature, body }, this.timeoutMs, unitName);
  }

  /** Installs {@link SYSTEMD_MATCH_RULES} on the bus daemon. */
  async addMatch(): Promise<void> {
    for (const rule of SYSTEMD_MATCH_RULES) {
      await this.conn.call(
        { destination: 'org.freedesktop.DBus', path: '/org/freedesktop/DBus', interface: 'org.freedesktop.DBus', member: 'AddMatch', signature: 's', body: [rule] },
        this.timeoutMs,
      );
    }
  }

  /** Asks systemd to emit unit and job signals to this connection. */
  async subscribe(): Promise<void> {
    await this.manager('Subscribe', '', []);
  }

  /** ListUnitsByNames: load/active/sub for each name (unknown ones come back not-found), in systemd's order. */
  async listUnitsByNames(names: readonly string[]): Promise<UnitState[]> {
    if (names.length === 0) return [];
    const [rows] = await this.manager('ListUnitsByNames', 'as', [[...names]]);
    return (rows as unknown[][]).map((r) => ({
      name: String(r[0]),
      loadState: toLoadState(String(r[2])),
      activeState: toActiveState(String(r[3])),
      subState: String(r[4]),
    }));
  }

  /**
   * ListUnitsByPatterns([], names): load/active/sub of those of `names`
   * systemd holds in memory; the others are left out. Like {@link listUnits}
   * it loads nothing (no stub unit per unknown name, no UnitNew/UnitRemoved
   * signal pair for it). Unit names contain no glob characters, so each
   * pattern matches its own name only.
   */
  async listLoadedUnitsByNames(names: readonly string[]): Promise<UnitState[]> {
    if (names.length === 0) return [];
    const [rows] = await this.manager('ListUnitsByPatterns', 'asas', [[], [...names]]);
    return (rows as unknown[][]).map((r) => ({
      name: String(r[0]),
      loadState: toLoadState(String(r[2])),
      activeState: toActiveState(String(r[3])),
      subState: String(r[4]),
    }));
  }

  /**
   * ListUnits: load/active/sub of every unit systemd holds in memory. Unlike
   * {@link listUnitsByNames} it loads nothing: asking by name for a unit
   * systemd does not hold makes it look for the unit's file (a stub is
   * created and collected again), which at 1,000 names per call costs
   * systemd more than the answer.
   */
  async listUnits(): Promise<UnitState[]> {
    const [rows] = await this.manager('ListUnits', '', []);
    return (rows as unknown[][]).map((r) => ({
      name: String(r[0]),
      loadState: toLoadState(String(r[2])),
      activeState: toActiveState(String(r[3])),
      subState: String(r[4]),
    }));
  }

  /** MainPID of a service; undefined when 0 or when the unit is not loaded. */
  async mainPid(name: string): Promise<number | undefined> {
    const pid = await this.serviceNumber(name, 'MainPID');
    return pid !== undefined && pid > 0 ? pid : undefined;
  }

  /** NRestarts of a service (systemd >= 235); undefined when the unit is not loaded or systemd lacks it. */
  async restarts(name: string): Promise<number | undefined> {
    return this.serviceNumber(name, 'NRestarts');
  }

  /** A numeric property of the Service interface; undefined when unavailable. */
  private async serviceNumber(name: string, property: string): Promise<number | undefined> {
    try {
      const [v] = await this.conn.call(
        {
          destination: SYSTEMD,
          path: unitObjectPath(name),
          interface: 'org.freedesktop.DBus.Properties',
          member: 'Get',
          signature: 'ss',
          body: ['org.freedesktop.systemd1.Service', property],
        },
        this.timeoutMs,
        name,
      );
      return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
    } catch (err) {
      if (err instanceof SystemdCallError) return undefined; // not loaded any more / not a service / no such property
      throw err;
    }
  }

  /**
   * The manager's unit search path (`UnitPath` property), in priority order.
   * Lets the driver check that the runtime directory it links into is one
   * systemd actually reads before bypassing LinkUnitFiles.
   */
  async unitPath(): Promise<string[]> {
    const [paths] = await this.conn.call(
      { destination: SYSTEMD, path: MANAGER_PATH, interface: 'org.freedesktop.DBus.Properties', member: 'Get', signature: 'ss', body: [MANAGER, 'UnitPath'] },
      this.timeoutMs,
    );
    return Array.isArray(paths) ? paths.map(String) : [];
  }

  /** LinkUnitFiles(paths, runtime=true, force=true). */
  async linkRuntime(path: string, unitName: string): Promise<void> {
    await this.manager('LinkUnitFiles', 'asbb', [[path], true, true], unitName);
  }

  /** EnableUnitFiles(paths, runtime=true, force=true); returns systemd's carries_install_info. */
  async enableRuntime(path: string, unitName: string): Promise<boolean> {
    const [carries] = await this.manager('EnableUnitFiles', 'asbb', [[path], true, true], unitName);
    return carries === true;
  }

  /** DisableUnitFiles([name], runtime=true); a unit without files is not an error. */
  async disableRuntime(name: string): Promise<void> {
    try {
      await this.manager('DisableUnitFiles', 'asb', [[name], true], name);
    } catch (err) {
      if (!isNoSuchUnit(err) && !(err instanceof SystemdCallError && err.dbusName === 'org.freedesktop.DBus.Error.FileNotFound')) throw err;
    }
  }

  /** StartUnit(name, "replace"); resolves with the job path once queued. */
  async startUnit(name: string): Promise<string> {
    const [job] = await this.manager('StartUnit', 'ss', [name, 'replace'], name);
    return String(job);
  }

  /** StopUnit(name, "replace"); resolves with the job path once queued. */
  async stopUnit(name: string): Promise<string> {
    const [job] = await this.manager('StopUnit', 'ss', [name, 'replace'], name);
    return String(job);
  }

  /** ResetFailedUnit(name). */
  async resetFailed(name: string): Promise<void> {
    await this.manager('ResetFailedUnit', 's', [name], name);
  }

  /** Reload (daemon-reload); resolves when systemd has finished reloading. */
  async reload(): Promise<void> {
    await this.manager('Reload', '', []);
  }

  /** GetUnitFileState(name); undefined when systemd finds no file for it. */
  async unitFileState(name: string): Promise<string | undefined> {
    try {
      const [state] = await this.manager('GetUnitFileState', 's', [name], name);
      return String(state);
    } catch (err) {
      if (isNoSuchUnit(err) || (err instanceof SystemdCallError && err.dbusName === 'org.freedesktop.DBus.Error.FileNotFound')) return undefined;
      throw err;
    }
  }
}

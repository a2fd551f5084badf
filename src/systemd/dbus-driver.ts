import { BusConnection, type BusSignal } from './dbus-connection.js';
import type { DriverEvent, SystemdDriver, UnitFile, UnitResult, UnitState } from './driver.js';
import {
  isNoSuchUnit,
  SystemdCallError,
  SystemdClosedError,
  SystemdUnavailableError,
  UnitJobFailedError,
} from './errors.js';
import { JobWaiter } from './job-waiter.js';
import { ManagerCalls } from './manager-calls.js';
import { resolveDriverOptions, type ResolvedDriverOptions, type SystemdDriverOptions } from './options.js';
import { StateTracker } from './state-tracker.js';
import { RuntimeLinks } from './runtime-links.js';
import { UnitFileStore } from './unit-files.js';
import { DropIns } from './drop-ins.js';
import { loadBatch } from './unit-loader.js';
import { unitNameFromPath } from './unit-names.js';
import { hasInstallSection } from './unit-text.js';
import { validateUnitName } from '../units/index.js';
import { Backoff, mayHaveMainProcess } from '../domain/index.js';

/** Signals for one unit arrive in bursts (systemd sends most twice); one re-read per burst. */
const COALESCE_MS = 10;

/**
 * Names per ListUnitsByNames call when every tracked unit is re-read (resync,
 * reconnect). In one call, 1,000 units cost ~3.5 MB of short-lived objects in
 * the D-Bus library (the request and the reply, converted twice), alive long
 * enough for V8 to move ~1.5 MB of them into the old generation each time: an
 * idle fleetd with 1,000 units grew its heap that much every resync. A
 * hundred per call keeps each call's garbage young.
 */
const RESYNC_BATCH = 100;

/**
 * The real driver: systemd over D-Bus, with explicit method calls (no proxy
 * objects), one match rule and Subscribe. Signals only mark units dirty;
 * state always comes from ListUnitsByNames, so duplicated or out-of-order
 * signals cannot produce wrong states, and a periodic resync repairs missed
 * ones. A lost connection is re-established with exponential backoff,
 * re-subscribed and resynced (`disconnected` ... `reconnected` events).
 */
export class DbusSystemdDriver implements SystemdDriver {
  private conn: BusConnection | undefined;
  private calls: ManagerCalls | undefined;
  private closed = false;
  private readonly tracker = new StateTracker();
  private readonly files: UnitFileStore;
  private readonly dropIns: DropIns;
  /** Runtime links made directly; undefined = over D-Bus (set at connect, see `chooseLinks`). */
  private links: RuntimeLinks | undefined;
  private readonly dirty = new Set<string>();
  private readonly jobs: JobWaiter;
  private flushTimer: object | undefined;
  private resyncTimer: object | undefined;
  private reconnectTimer: object | undefined;
  private readonly reconnect: Backoff;
  private refreshChain: Promise<void> = Promise.resolve();
  /** Daemon reloads this driver asked for (each costs systemd ~1 ms per loaded unit); lets tests and benches check batching. */
  reloadCount = 0;

  private constructor(readonly options: ResolvedDriverOptions) {
    this.files = new UnitFileStore(options.unitsDir);
    this.dropIns = new DropIns(options.systemdRuntimeDir);
    this.jobs = new JobWaiter(options.clock);
    this.reconnect = new Backoff({ initialMs: options.reconnectInitialMs, maxMs: options.reconnectMaxMs });
  }

  /**
   * Resolves options, creates the units directory, connects, subscribes and
   * reports the initial state of every unit file already in the directory.
   * Throws SystemdConfigError, UnitFileIoError, or the connection's
   * SystemdUnavailableError / SystemdTimeoutError (no background retry for
   * the first connection: the caller decides).
   */
  static async connect(opts: SystemdDriverOptions = {}, env?: Readonly<Record<string, string | undefined>>): Promise<DbusSystemdDriver> {
    const driver = new DbusSystemdDriver(resolveDriverOptions(opts, env));
    await driver.files.ensureDir();
    for (const name of await driver.files.list()) driver.tracker.track(name);
    await driver.establish();
    await driver.chooseLinks();
    await driver.resync();
    driver.scheduleResync();
    return driver;
  }

  /** Whether the bus connection is currently up. */
  get connected(): boolean {
    return !!this.conn && !this.conn.isLost;
  }

  async loadUnits(units: readonly UnitFile[], opts: { readonly reload?: boolean } = {}): Promise<UnitResult[]> {
    const calls = this.requireCalls('LinkUnitFiles');
    const reload = opts.reload !== false;
    const { results, loaded, reloadNeeded, states } = await loadBatch({ calls, files: this.files, links: this.links, dropIns: this.dropIns }, units, { check: reload });
    for (const name of loaded) this.tracker.track(name);
    const fresh = new Map((states ?? []).filter((s) => !mayHaveMainProcess(s.activeState)).map((s) => [s.name, s]));
    for (const name of loaded) {
      const state = fresh.get(name);
      if (state !== undefined) this.tracker.report(state);
      else this.markDirty(name);
    }
    if (reload && reloadNeeded) await this.reload();
    return results;
  }

  async setDropIn(name: string, text: string | undefined): Promise<void> {
    this.requireOpen();
    await this.dropIns.set(name, text);
  }

  async readDropIn(name: string): Promise<string | undefined> {
    this.requireOpen();
    return this.dropIns.read(name);
  }

  async writeUnit(unit: UnitFile): Promise<void> {
    this.requireOpen();
    await this.files.write(unit.name, unit.text);
  }

  async unload(name: string): Promise<void> {
    validateUnitName(name);
    const calls = this.requireCalls('StopUnit');
    const text = await this.files.read(name);
    // fleet quirk #6 fixed: if the stop fails or does not finish, the file
    // stays and the error reaches the caller, so the next pass retries.
    let job: string | undefined;
    try {
      job = await calls.stopUnit(name);
    } catch (err) {
      if (!isNoSuchUnit(err)) throw err;
    }
    // Reset-failed and file removal are only right once the unit is down.
    if (job !== undefined) {
      const result = await this.jobs.wait(job, this.options.stopTimeoutMs, name);
      if (result !== 'done') throw new UnitJobFailedError(name, 'stop', result);
    }
    // Our own link goes the way it came (DisableUnitFiles re-scans every unit
    // directory per call, like LinkUnitFiles); [Install] units have .wants/
    // links only systemd knows how to find.
    if (this.links !== undefined && text !== undefined && !hasInstallSection(text)) await this.links.unlink(name);
    else await calls.disableRuntime(name);
    try {
      await calls.resetFailed(name);
    } catch (err) {
      if (!(err instanceof SystemdCallError)) throw err; // nothing failed to reset is fine
    }
    await this.dropIns.set(name, undefined);
    await this.files.remove(name);
    this.tracker.untrack(name);
  }

  async start(name: string): Promise<void> {
    validateUnitName(name);
    await this.requireCalls('StartUnit').startUnit(name);
    this.markDirty(name);
  }

  async stop(name: string): Promise<void> {
    validateUnitName(name);
    await this.requireCalls('StopUnit').stopUnit(name);
    this.markDirty(name);
  }

  async reload(): Promise<void> {
    this.reloadCount++;
    await this.requireCalls('Reload').reload();
    for (const name of this.tracker.names()) this.markDirty(name);
  }

  async listStates(names: readonly string[]): Promise<UnitState[]> {
    const calls = this.requireCalls('ListUnitsByNames');
    const rows = await calls.listUnitsByNames(names);
    const byName = new Map(rows.map((r) => [r.name, r]));
    return Promise.all(
      names.map(async (name) => {
        const row = byName.get(name) ?? { name, loadState: 'not-found', activeState: 'inactive', subState: 'dead' };
        return this.withMainPid(calls, row);
      }),
    );
  }

  async unitFileState(name: string): Promise<string | undefined> {
    return this.requireCalls('GetUnitFileState').unitFileState(name);
  }

  async managedUnits(): Promise<string[]> {
    this.requireOpen();
    return this.files.list();
  }

  async readUnit(name: string): Promise<string | undefined> {
    this.requireOpen();
    return this.files.read(name);
  }

  subscribe(listener: (event: DriverEvent) => void): () => void {
    return this.tracker.subscribe(listener);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const { clock } = this.options;
    for (const t of [this.flushTimer, this.resyncTimer, this.reconnectTimer]) if (t) clock.clearTimeout(t);
    this.conn?.close();
    this.conn = undefined;
    this.calls = undefined;
    this.jobs.failAll('close', new Error('driver closed'));
    await this.refreshChain;
  }

  // --- connection lifecycle -------------------------------------------------

  /**
   * Links directly into the runtime directory only when systemd's UnitPath
   * lists it (a symlink systemd never looks at would be silently ignored);
   * otherwise, or when the property cannot be read, keeps LinkUnitFiles.
   */
  private async chooseLinks(): Promise<void> {
    const dir = this.options.systemdRuntimeDir;
    const paths = await this.requireCalls('Get').unitPath().catch(() => [] as string[]);
    this.links = paths.map((p) => p.replace(/\/+$/, '')).includes(dir.replace(/\/+$/, '')) ? new RuntimeLinks(dir) : undefined;
  }

  /** Whether unit links are made directly rather than with LinkUnitFiles (for tests and the metrics dump). */
  get linksDirectly(): boolean {
    return this.links !== undefined;
  }

  private async establish(): Promise<void> {
    const { busAddress, clock, callTimeoutMs } = this.options;
    const conn = await BusConnection.open(busAddress, clock, callTimeoutMs, {
      onSignal: (s) => this.onSignal(s),
      onLost: (err) => this.onLost(conn, err),
      ...(this.options.onCall !== undefined ? { onCall: this.options.onCall } : {}),
    });
    const calls = new ManagerCalls(conn, callTimeoutMs);
    try {
      await calls.addMatch();
      await calls.subscribe();
    } catch (err) {
      conn.close();
      throw err;
    }
    if (this.closed) {
      conn.close();
      throw new SystemdClosedError();
    }
    this.conn = conn;
    this.calls = calls;
  }

  private onLost(conn: BusConnection, err: Error): void {
    if (this.closed || conn !== this.conn) return;
    this.conn = undefined;
    this.calls = undefined;
    this.jobs.failAll('JobRemoved', err);
    this.tracker.emit({ type: 'disconnected', error: err });
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    const { clock } = this.options;
    const delay = this.reconnect.next();
    this.reconnectTimer = clock.setTimeout(() => {
      this.reconnectTimer = undefined;
      if (this.closed) return;
      this.establish().then(
        async () => {
          this.reconnect.reset();
          await this.resync();
          if (!this.closed) this.tracker.emit({ type: 'reconnected' });
        },
        () => {
          if (!this.closed) this.scheduleReconnect();
        },
      );
    }, delay);
  }

  // --- state tracking ---------------------------------------------------------

  private onSignal(s: BusSignal): void {
    this.options.onSignal?.(signalName(s));
    if (s.interface === 'org.freedesktop.DBus.Properties' && s.member === 'PropertiesChanged') {
      const name = unitNameFromPath(s.path);
      if (name !== undefined && this.tracker.has(name)) this.markDirty(name);
    } else if (s.interface === 'org.freedesktop.systemd1.Manager') {
      if (s.member === 'JobRemoved') {
        this.jobs.removed(String(s.arg(1)), String(s.arg(3)));
        this.markDirtyIfTracked(s.arg(2));
      }
      else if (s.member === 'Reloading' && s.arg(0) === false) for (const n of this.tracker.names()) this.markDirty(n);
    }
  }

  private markDirtyIfTracked(name: unknown): void {
    if (typeof name === 'string' && this.tracker.has(name)) this.markDirty(name);
  }

  private markDirty(name: string): void {
    if (this.closed || !this.tracker.has(name)) return;
    this.dirty.add(name);
    if (this.flushTimer) return;
    this.flushTimer = this.options.clock.setTimeout(() => {
      this.flushTimer = undefined;
      const names = [...this.dirty].sort();
      this.dirty.clear();
      void this.refresh(names);
    }, COALESCE_MS);
  }

  private scheduleResync(): void {
    if (this.closed) return;
    this.resyncTimer = this.options.clock.setTimeout(() => {
      this.resyncTimer = undefined;
      void this.resync().finally(() => this.scheduleResync());
    }, this.options.resyncIntervalMs);
  }

  /**
   * Re-reads every tracked unit, {@link RESYNC_BATCH} names per call, one
   * call after the other; stops at the first that fails (reported once by
   * {@link refresh}; the next resync retries).
   */
  private async resync(): Promise<void> {
    const names = this.tracker.names();
    for (let i = 0; i < names.length; i += RESYNC_BATCH) if (!(await this.refresh(names.slice(i, i + RESYNC_BATCH)))) return;
  }

  /**
   * Re-reads `names` and reports changes. Serialized, so reports for one unit
   * keep their order. A failure goes to `onRefreshError` (fleetd logs and
   * counts it) and is otherwise left to the next resync; a lost connection
   * has its own path. Resolves false when the re-read failed.
   */
  private refresh(names: readonly string[]): Promise<boolean> {
    const run = async (): Promise<void> => {
      const calls = this.calls;
      const wanted = names.filter((n) => this.tracker.has(n));
      if (!calls || this.closed || wanted.length === 0) return;
      const rows = await calls.listUnitsByNames(wanted);
      const changed = rows.filter((row) => {
        const last = this.tracker.lastState(row.name);
        return this.tracker.has(row.name) && !(last && last.loadState === row.loadState && last.activeState === row.activeState && last.subState === row.subState);
      });
      // Only the restart counter is read for state events (MainPID has no reader there), all at once:
      // one by one, 334 units starting on a loaded host took ~10 s of round trips before their states went out.
      const restarts = await Promise.all(changed.map((row) => this.restartsOf(calls, row)));
      changed.forEach((row, i) => this.tracker.report(restarts[i] === undefined ? row : { ...row, restarts: restarts[i] }));
    };
    const done = this.refreshChain.then(run).then(
      () => true,
      (err: unknown) => {
        if (!this.closed) this.options.onRefreshError?.(err, names);
        return false;
      },
    );
    this.refreshChain = done.then(() => undefined);
    return done;
  }

  /** A loaded service's restart counter (for flapping detection); undefined for anything else. */
  private async restartsOf(calls: ManagerCalls, row: UnitState): Promise<number | undefined> {
    return isLoadedService(row) ? calls.restarts(row.name) : undefined;
  }

  /** Adds a service's MainPID (while it may have one) and its restart counter (for flapping detection). */
  private async withMainPid(calls: ManagerCalls, row: UnitState): Promise<UnitState> {
    if (!isLoadedService(row)) return row;
    const [mainPid, restarts] = await Promise.all([mayHaveMainProcess(row.activeState) ? calls.mainPid(row.name) : undefined, this.restartsOf(calls, row)]);
    return { ...row, ...(mainPid !== undefined ? { mainPid } : {}), ...(restarts !== undefined ? { restarts } : {}) };
  }

  private requireOpen(): void {
    if (this.closed) throw new SystemdClosedError();
  }

  private requireCalls(method: string): ManagerCalls {
    this.requireOpen();
    if (!this.calls || !this.conn || this.conn.isLost) throw new SystemdUnavailableError(method);
    return this.calls;
  }
}

/** A signal's name for counting: its member, and for PropertiesChanged the interface whose properties changed (`PropertiesChanged(Unit)`). */
export function signalName(s: BusSignal): string {
  if (s.member !== 'PropertiesChanged') return s.member;
  const iface = String(s.arg(0) ?? '');
  return `PropertiesChanged(${iface.startsWith('org.freedesktop.systemd1.') ? iface.slice('org.freedesktop.systemd1.'.length) : iface})`;
}

/** A loaded service: the only kind of unit with a restart counter and a main process. */
function isLoadedService(row: UnitState): boolean {
  return row.name.endsWith('.service') && row.loadState === 'loaded';
}

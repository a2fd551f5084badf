import type { DriverEvent, SystemdDriver, UnitFile, UnitResult, UnitState } from './driver.js';
import {
  isNoSuchUnit,
  SystemdCallError,
  SystemdClosedError,
  SystemdError,
  SystemdTimeoutError,
  SystemdUnavailableError,
  UnitEnableError,
} from './errors.js';
import { carriesInstallInfo, loadStateOf, optionList, parseFakeUnit, startOutcome, type FakeUnitDef } from './fake-unit-model.js';
import { keepAliveClock, type Clock } from '../clock.js';
import { StateTracker } from './state-tracker.js';
import { hasInstallSection } from './unit-text.js';
import { InvalidUnitNameError, validateUnitName } from '../units/index.js';
import type { ActiveState, LoadState, SubState } from '../domain/index.js';

/** Options of the fake; all optional. */
export interface FakeDriverOptions {
  /**
   * Default: Node timers that keep the process alive (unlike the real
   * driver's unref'd ones, since here nothing else, no socket, would while a
   * stalled call waits for its timeout).
   */
  readonly clock?: Clock;
  /** Timeout a stalled call fails with. Default 10 s. */
  readonly callTimeoutMs?: number;
  /** Delay before a started process "exits" (ExecStart=/bin/false, true). Default 5 ms. */
  readonly exitDelayMs?: number;
}

interface LoadedUnit {
  def: FakeUnitDef;
  loadState: LoadState;
  activeState: ActiveState;
  subState: SubState;
  mainPid?: number;
  exitTimer?: object;
}

const NO_SUCH = 'org.freedesktop.systemd1.NoSuchUnit';

/**
 * In-memory twin of {@link DbusSystemdDriver}: the same contract, with
 * systemd modelled for real rather than stubbed. It keeps three layers like
 * the real thing: fleet's units directory (`files`), systemd's runtime links
 * and enablements, and systemd's memory (`loaded`), which only picks up
 * changed files on reload(). Units are loaded on first reference, as
 * systemd does; inactive units nobody links are garbage-collected.
 * Start/stop transitions and exits follow `fake-unit-model.ts`.
 *
 * Test knobs: {@link stall}/{@link resume} make calls hang until they time
 * out (SystemdTimeoutError; a timed-out call has no effect), and
 * {@link simulateBusLoss} plays a lost connection and its reconnection.
 */
export class FakeSystemdDriver implements SystemdDriver {
  private readonly clock: Clock;
  private readonly callTimeoutMs: number;
  private readonly exitDelayMs: number;
  private readonly tracker = new StateTracker();
  private readonly files = new Map<string, string>();
  private readonly links = new Set<string>();
  /** fleet's drop-ins by unit (the model does not apply their settings). */
  private readonly dropIns = new Map<string, string>();
  private readonly enabled = new Set<string>();
  private readonly loaded = new Map<string, LoadedUnit>();
  private nextPid = 4000;
  private stalled: Array<() => void> | undefined;
  /** With {@link stall} given methods, only those stall; undefined = all. */
  private stalledMethods: ReadonlySet<string> | undefined;
  private down = false;
  private closed = false;
  /** Number of daemon reloads so far (lets tests assert one reload per batch). */
  reloadCount = 0;
  /** Calls made so far by D-Bus method name (`StartUnit`, ...), counted when made, before any stall. */
  readonly callCounts = new Map<string, number>();

  constructor(opts: FakeDriverOptions = {}) {
    this.clock = opts.clock ?? keepAliveClock;
    this.callTimeoutMs = opts.callTimeoutMs ?? 10_000;
    this.exitDelayMs = opts.exitDelayMs ?? 5;
  }

  // --- test knobs -------------------------------------------------------------

  /**
   * From now on every call (or only calls of `methods`, e.g. `StartUnit`)
   * hangs, and fails with SystemdTimeoutError after the call timeout.
   */
  stall(methods?: readonly string[]): void {
    this.stalled ??= [];
    this.stalledMethods = methods === undefined ? undefined : new Set(methods);
  }

  /** Ends {@link stall}; calls still waiting proceed normally. */
  resume(): void {
    const waiting = this.stalled ?? [];
    this.stalled = undefined;
    this.stalledMethods = undefined;
    for (const go of waiting) go();
  }

  /**
   * Emits `disconnected`; calls fail with SystemdUnavailableError for
   * `downForMs` (clock time), then the fake "reconnects": reports every
   * tracked unit's current state (changes only) and emits `reconnected`.
   */
  simulateBusLoss(downForMs = 50): void {
    if (this.down || this.closed) return;
    this.down = true;
    this.tracker.emit({ type: 'disconnected', error: new Error('simulated bus loss') });
    this.clock.setTimeout(() => {
      if (this.closed) return;
      this.down = false;
      for (const name of this.tracker.names()) this.report(name);
      this.tracker.emit({ type: 'reconnected' });
    }, downForMs);
  }

  // --- SystemdDriver ----------------------------------------------------------

  async loadUnits(units: readonly UnitFile[], opts: { readonly reload?: boolean } = {}): Promise<UnitResult[]> {
    const results: UnitResult[] = [];
    let loaded = 0;
    // As the real driver: a reload only when systemd's memory holds an older
    // definition of one of them, or [Install] links changed.
    let reloadNeeded = false;
    for (const unit of units) {
      try {
        await this.gate('LinkUnitFiles', unit.name);
        validateUnitName(unit.name);
        const held = this.loaded.get(unit.name);
        if (held !== undefined && (held.loadState !== 'not-found' || held.activeState !== 'inactive')) reloadNeeded = true;
        if (unit.dropIn === undefined) this.dropIns.delete(unit.name);
        else this.dropIns.set(unit.name, unit.dropIn);
        this.files.set(unit.name, unit.text);
        this.links.add(unit.name);
        if (unit.hasInstall ?? hasInstallSection(unit.text)) {
          if (!carriesInstallInfo(parseFakeUnit(unit.name, unit.text))) {
            // as systemd answers carries_install_info=false, and fleet then removes the unit
            this.links.delete(unit.name);
            this.files.delete(unit.name);
            throw new UnitEnableError(unit.name);
          }
          this.enabled.add(unit.name);
          reloadNeeded = true;
        }
        this.tracker.track(unit.name);
        loaded++;
        results.push({ name: unit.name });
        this.report(unit.name);
      } catch (err) {
        if (!(err instanceof SystemdError) && !(err instanceof InvalidUnitNameError)) throw err;
        results.push({ name: unit.name, error: err });
      }
    }
    if (loaded > 0 && reloadNeeded && opts.reload !== false) await this.reload();
    return results;
  }

  async setDropIn(name: string, text: string | undefined): Promise<void> {
    this.requireOpen();
    validateUnitName(name);
    if (text === undefined) this.dropIns.delete(name);
    else this.dropIns.set(name, text);
  }

  async readDropIn(name: string): Promise<string | undefined> {
    this.requireOpen();
    validateUnitName(name);
    return this.dropIns.get(name);
  }

  async writeUnit(unit: UnitFile): Promise<void> {
    this.requireOpen();
    validateUnitName(unit.name);
    this.files.set(unit.name, unit.text);
  }

  async unload(name: string): Promise<void> {
    validateUnitName(name);
    try {
      await this.stop(name);
    } catch (err) {
      if (!isNoSuchUnit(err)) throw err;
    }
    await this.gate('DisableUnitFiles', name);
    this.links.delete(name);
    this.enabled.delete(name);
    const u = this.loaded.get(name);
    if (u?.activeState === 'failed') this.setState(name, u, 'inactive', 'dead');
    this.files.delete(name);
    this.dropIns.delete(name);
    this.gc(name);
    this.report(name);
    this.tracker.untrack(name);
  }

  async start(name: string): Promise<void> {
    validateUnitName(name);
    await this.gate('StartUnit', name);
    this.startInternal(name, new Set());
  }

  async stop(name: string): Promise<void> {
    validateUnitName(name);
    await this.gate('StopUnit', name);
    const u = this.lookup(name);
    if (!u) throw new SystemdCallError('StopUnit', NO_SUCH, `Unit ${name} not loaded.`, name);
    if (u.activeState === 'failed' || u.activeState === 'inactive') return; // a failed unit stays failed until reset
    this.setState(name, u, 'inactive', 'dead');
  }

  async reload(): Promise<void> {
    await this.gate('Reload');
    this.reloadCount++;
    for (const [name, u] of [...this.loaded]) {
      const text = this.links.has(name) ? this.files.get(name) : undefined;
      if (text === undefined) {
        if (u.activeState === 'inactive' || u.activeState === 'failed') this.loaded.delete(name);
        else u.loadState = 'not-found'; // still running, but its file is gone
      } else {
        u.def = parseFakeUnit(name, text);
        u.loadState = loadStateOf(u.def);
      }
    }
    for (const name of this.tracker.names()) this.report(name);
  }

  async listStates(names: readonly string[]): Promise<UnitState[]> {
    await this.gate('ListUnitsByNames');
    return names.map((name) => this.stateOf(name));
  }

  async unitFileState(name: string): Promise<string | undefined> {
    await this.gate('GetUnitFileState', name);
    if (this.enabled.has(name)) return 'enabled-runtime';
    return this.links.has(name) ? 'linked-runtime' : undefined;
  }

  async managedUnits(): Promise<string[]> {
    this.requireOpen();
    return [...this.files.keys()].sort();
  }

  async readUnit(name: string): Promise<string | undefined> {
    this.requireOpen();
    validateUnitName(name);
    return this.files.get(name);
  }

  subscribe(listener: (event: DriverEvent) => void): () => void {
    return this.tracker.subscribe(listener);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const u of this.loaded.values()) if (u.exitTimer) this.clock.clearTimeout(u.exitTimer);
    this.resume();
  }

  // --- systemd model ----------------------------------------------------------

  /** systemd's manager_load_unit: the in-memory unit, loading it from its link on first reference. */
  private lookup(name: string): LoadedUnit | undefined {
    const existing = this.loaded.get(name);
    if (existing) return existing;
    const text = this.links.has(name) ? this.files.get(name) : undefined;
    if (text === undefined) return undefined;
    const def = parseFakeUnit(name, text);
    const u: LoadedUnit = { def, loadState: loadStateOf(def), activeState: 'inactive', subState: 'dead' };
    this.loaded.set(name, u);
    return u;
  }

  private stateOf(name: string): UnitState {
    const u = this.lookup(name);
    if (!u) return { name, loadState: 'not-found', activeState: 'inactive', subState: 'dead' };
    const base = { name, loadState: u.loadState, activeState: u.activeState, subState: u.subState };
    return u.mainPid === undefined ? base : { ...base, mainPid: u.mainPid };
  }

  private startInternal(name: string, seen: Set<string>): void {
    seen.add(name);
    const u = this.lookup(name);
    if (!u) throw new SystemdCallError('StartUnit', NO_SUCH, `Unit ${name} not found.`, name);
    if (u.loadState !== 'loaded') {
      throw new SystemdCallError('StartUnit', 'org.freedesktop.systemd1.BadUnitSetting', `Unit ${name} has a bad unit file setting.`, name);
    }
    if (u.activeState === 'active' || u.activeState === 'activating') return;
    const outcome = startOutcome(u.def);
    this.setState(name, u, outcome.initial.activeState, outcome.initial.subState, outcome.initial.running ? this.nextPid++ : undefined);
    if (outcome.final) {
      const final = outcome.final;
      u.exitTimer = this.clock.setTimeout(() => {
        u.exitTimer = undefined;
        if (this.loaded.get(name) === u && u.activeState === 'active') this.setState(name, u, final.activeState, final.subState);
      }, this.exitDelayMs);
    }
    // runtime-enabled units WantedBy/RequiredBy this one start with it
    for (const other of [...this.enabled].sort()) {
      if (seen.has(other)) continue;
      const def = parseFakeUnit(other, this.files.get(other) ?? '');
      if ([...optionList(def, 'Install', 'WantedBy'), ...optionList(def, 'Install', 'RequiredBy')].includes(name)) {
        try {
          this.startInternal(other, seen);
        } catch {
          // a wanted unit failing does not fail the wanting one
        }
      }
    }
  }

  private setState(name: string, u: LoadedUnit, activeState: ActiveState, subState: SubState, mainPid?: number): void {
    if (u.exitTimer && activeState !== 'active') {
      this.clock.clearTimeout(u.exitTimer);
      u.exitTimer = undefined;
    }
    u.activeState = activeState;
    u.subState = subState;
    u.mainPid = mainPid;
    this.report(name);
  }

  /** Drops an inactive unit nothing links any more, as systemd's GC does. */
  private gc(name: string): void {
    const u = this.loaded.get(name);
    if (u && !this.links.has(name) && u.activeState === 'inactive') this.loaded.delete(name);
  }

  private report(name: string): void {
    if (this.down || this.closed || !this.tracker.has(name)) return;
    this.tracker.report(this.stateOf(name));
  }

  // --- call plumbing -----------------------------------------------------------

  private requireOpen(): void {
    if (this.closed) throw new SystemdClosedError();
  }

  /** What every D-Bus call goes through: closed / bus-down / stall checks. */
  private async gate(method: string, unitName?: string): Promise<void> {
    this.requireOpen();
    this.callCounts.set(method, (this.callCounts.get(method) ?? 0) + 1);
    if (this.down) throw new SystemdUnavailableError(method);
    if (!this.stalled || (this.stalledMethods !== undefined && !this.stalledMethods.has(method))) return;
    const waiting = this.stalled;
    await new Promise<void>((resolve, reject) => {
      const timer = this.clock.setTimeout(() => {
        const i = waiting.indexOf(go);
        if (i >= 0) waiting.splice(i, 1);
        reject(new SystemdTimeoutError(method, this.callTimeoutMs, unitName));
      }, this.callTimeoutMs);
      const go = (): void => {
        this.clock.clearTimeout(timer);
        resolve();
      };
      waiting.push(go);
    });
    this.requireOpen();
  }
}

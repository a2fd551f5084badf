/**
 * The API's view of the units (with desired states) and the agents' state
 * reports, so that listing 10,000 units (the dashboard, `fleetctl
 * list-units`) is served from memory instead of reading and decoding every
 * record from etcd per request.
 *
 * The house cache pattern (a {@link FollowedView}: list at R, watch from R+1,
 * re-list on a gap), as {@link ScheduleView}: started by the first list request, stopped
 * after `idleMs` without one, so a fleetd whose API nobody lists watches
 * nothing. Reads keep etcd's read-your-writes guarantee: each asks etcd
 * for its current revision (one small read) and is answered from memory
 * once the watch has delivered up to it, which it does within milliseconds
 * as every fleet write is under the watched prefix; otherwise (not yet
 * listed, connection lost, or writes outside the prefix moved the revision)
 * after `catchUpMs` it reads etcd directly, as before the view existed. A
 * read that starts the view waits for its listing (`listWaitMs`) instead of
 * reading the same records a second time.
 */
import { systemClock, type Clock } from '../clock.js';
import { FollowedView, setNested } from './view-support.js';
import type { ApiRegistry, RegistryChange, StateFilter, UnitRecord, UnitsSnapshot, UnitStateRecord, UnitWithDesired } from '../registry/index.js';
import type { DesiredState } from '../domain/index.js';

/** Options of {@link UnitsView}. */
export interface UnitsViewOptions {
  /** Stop following after this long without a read, ms; default 60 000. */
  readonly idleMs?: number;
  /** How long a read waits for the watch to reach etcd's revision before reading etcd itself, ms; default 500. */
  readonly catchUpMs?: number;
  /** How long a read waits for the view's (first) listing before reading etcd itself, ms; default 10 000. */
  readonly listWaitMs?: number;
  readonly clock?: Clock;
}

/** What {@link UnitsView} needs of the registry. */
export type UnitsSource = Pick<ApiRegistry, 'unitsSnapshot' | 'watchChanges' | 'headRevision' | 'listUnits' | 'listStates'>;

/** The followed records. */
interface Cache {
  readonly units: Map<string, UnitRecord>;
  readonly desired: Map<string, DesiredState>;
  /** Unit name -> machine id -> report. */
  readonly states: Map<string, Map<string, UnitStateRecord>>;
  /** Sorted listings, built on the first read after a change. */
  unitList: UnitWithDesired[] | undefined;
  stateList: UnitStateRecord[] | undefined;
}

/** Units and state reports, kept current by a watch while the API is listed. */
export class UnitsView {
  private readonly catchUpMs: number;
  private readonly listWaitMs: number;
  private readonly view: FollowedView<UnitsSnapshot, RegistryChange, Cache>;

  constructor(
    private readonly source: UnitsSource,
    options: UnitsViewOptions = {},
  ) {
    this.catchUpMs = options.catchUpMs ?? 500;
    this.listWaitMs = options.listWaitMs ?? 10_000;
    this.view = new FollowedView<UnitsSnapshot, RegistryChange, Cache>(
      { list: () => source.unitsSnapshot(), watch: (from, listener) => source.watchChanges(from, listener) },
      { fromSnapshot, apply, revisionOf: (changes) => changes[changes.length - 1]?.event.revision },
      { idleMs: options.idleMs ?? 60_000, clock: options.clock ?? systemClock },
    );
  }

  /** Whether reads can be answered from memory (for tests and metrics). */
  get live(): boolean {
    return this.view.live;
  }

  /**
   * Every unit, sorted by name (as {@link ApiRegistry.listUnits}).
   * @throws the registry's error when etcd cannot be read.
   */
  async units(): Promise<UnitWithDesired[]> {
    const cache = await this.current();
    if (cache === undefined) return this.source.listUnits();
    cache.unitList ??= [...cache.units.keys()].sort(cmp).map((name) => ({ unit: cache.units.get(name)!, desired: cache.desired.get(name) ?? 'inactive' }));
    return cache.unitList;
  }

  /**
   * State reports, sorted by unit name then machine id, filtered (as {@link ApiRegistry.listStates}).
   * @throws the registry's error when etcd cannot be read.
   */
  async states(filter: StateFilter = {}): Promise<UnitStateRecord[]> {
    const cache = await this.current();
    if (cache === undefined) return this.source.listStates(filter);
    cache.stateList ??= [...cache.states.values()].flatMap((m) => [...m.values()]).sort(byStateKey);
    const names = filter.names ? new Set(filter.names) : undefined;
    const machines = filter.machineIds ? new Set(filter.machineIds) : undefined;
    if (names === undefined && machines === undefined) return cache.stateList;
    return cache.stateList.filter((s) => (!names || names.has(s.name)) && (!machines || machines.has(s.machineId)));
  }

  /**
   * Starts following now (idempotent; counts as a use for the idle stop)
   * without waiting for the listing, for a client about to read (the
   * dashboard's page, see `StaticMount.startsViews`).
   */
  start(): void {
    this.view.use();
  }

  /** Stops following (idempotent); the next read starts again. */
  close(): Promise<void> {
    return this.view.close();
  }

  /** The cache when it holds everything up to etcd's current revision, else undefined (read etcd). */
  private async current(): Promise<Cache | undefined> {
    this.view.use();
    const listing = this.view.listing;
    if (!listing && !this.view.isConnected) return undefined;
    const head = await this.source.headRevision();
    // The (first) listing is the same read a direct one would be: wait for it rather than read twice.
    return this.view.at(head, listing ? this.listWaitMs : this.catchUpMs);
  }
}

function fromSnapshot(snap: UnitsSnapshot): Cache {
  // A listing is in key order, which is the listings' order (names and machine ids are ASCII): kept as the first answers.
  const cache: Cache = { units: new Map(), desired: new Map(), states: new Map(), unitList: snap.units, stateList: snap.states };
  for (const u of snap.units) {
    cache.units.set(u.unit.name, u.unit);
    cache.desired.set(u.unit.name, u.desired);
  }
  for (const s of snap.states) setNested(cache.states, s.name, s.machineId, s);
  return cache;
}

function apply(cache: Cache, changes: readonly RegistryChange[]): void {
  for (const { event: ev } of changes) {
    if (ev.kind === 'unit') {
      if (ev.unit === undefined) cache.units.delete(ev.name);
      else cache.units.set(ev.name, ev.unit);
      cache.unitList = undefined;
    } else if (ev.kind === 'desired') {
      if (ev.desired === undefined) cache.desired.delete(ev.name);
      else cache.desired.set(ev.name, ev.desired);
      cache.unitList = undefined;
    } else if (ev.kind === 'state') {
      setNested(cache.states, ev.name, ev.machineId, ev.state);
      cache.stateList = undefined;
    }
  }
}

/** The order of the state keys in etcd (`state/<name>/<machine>`), which listings keep: `name/machine` compared without building it. */
function byStateKey(a: UnitStateRecord, b: UnitStateRecord): number {
  if (a.name === b.name) return cmp(a.machineId, b.machineId);
  const n = Math.min(a.name.length, b.name.length);
  for (let i = 0; i < n; i++) {
    const d = a.name.charCodeAt(i) - b.name.charCodeAt(i);
    if (d !== 0) return d;
  }
  // One name is a prefix of the other: its key continues with '/'.
  return (a.name.length > n ? a.name.charCodeAt(n) : 0x2f) - (b.name.length > n ? b.name.charCodeAt(n) : 0x2f);
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

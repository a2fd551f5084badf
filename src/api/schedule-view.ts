/**
 * The API's view of the schedule, so that a request about one unit never
 * reads the whole `schedule/` directory (its keys are per machine, so one
 * unit's entries cannot be read without scanning it).
 *
 * The house cache pattern (a {@link FollowedView}: list at R, watch from R+1,
 * re-list on a gap), started by the first request and stopped again after `idleMs`
 * without one, so a fleetd whose API nobody uses watches nothing (an
 * uninvolved host still sees no schedule traffic). Until the first listing
 * arrives, and while the watch has lost its connection, readers get a
 * direct read instead (which fails with the registry's error when etcd is
 * unreachable, as before). The schedule is written by the engine
 * asynchronously anyway, so a view a few milliseconds behind etcd shows
 * nothing a client could not also see from a slower engine.
 */
import { systemClock, type Clock } from '../clock.js';
import { FollowedView, setNested } from './view-support.js';
import type { ApiRegistry, RegistryEvent, ScheduleEntry } from '../registry/index.js';

/** Options of {@link ScheduleView}. */
export interface ScheduleViewOptions {
  /** Stop following after this long without a read, ms; default 60 000. */
  readonly idleMs?: number;
  readonly clock?: Clock;
}

/** What {@link ScheduleView} needs of the registry. */
export type ScheduleSource = Pick<ApiRegistry, 'scheduleSnapshot' | 'watchSchedule'>;

/** The followed entries. */
interface Cache {
  /** Unit name -> machine id -> entry. */
  readonly byUnit: Map<string, Map<string, ScheduleEntry>>;
  /** {@link ScheduleView.all}'s answer, kept until the entries change. */
  sorted: ScheduleEntry[] | undefined;
}

/** Schedule entries by unit name, kept current by a watch while the API is in use. */
export class ScheduleView {
  private readonly view: FollowedView<{ entries: ScheduleEntry[]; revision: bigint }, RegistryEvent, Cache>;

  constructor(
    private readonly source: ScheduleSource,
    options: ScheduleViewOptions = {},
  ) {
    this.view = new FollowedView(
      { list: () => source.scheduleSnapshot(), watch: (from, listener) => source.watchSchedule(from, listener) },
      {
        fromSnapshot: (snap) => {
          const byUnit = new Map<string, Map<string, ScheduleEntry>>();
          for (const e of snap.entries) setNested(byUnit, e.name, e.machineId, e);
          return { byUnit, sorted: undefined };
        },
        apply: (cache, events) => {
          for (const ev of events) if (ev.kind === 'schedule') setNested(cache.byUnit, ev.name, ev.machineId, ev.entry);
          cache.sorted = undefined;
        },
        revisionOf: (events) => events[events.length - 1]?.revision,
      },
      { idleMs: options.idleMs ?? 60_000, clock: options.clock ?? systemClock },
    );
  }

  /** Whether reads are currently answered from memory (for tests and metrics). */
  get live(): boolean {
    return this.view.live;
  }

  /**
   * The entries of `name`, sorted by machine id.
   * @throws the registry's error when the view is not live and etcd cannot be read.
   */
  async entriesOf(name: string): Promise<ScheduleEntry[]> {
    const cache = this.view.now();
    if (cache !== undefined) return sortByMachine([...(cache.byUnit.get(name)?.values() ?? [])]);
    return sortByMachine((await this.source.scheduleSnapshot()).entries.filter((e) => e.name === name));
  }

  /**
   * Every entry, sorted by machine id then unit name; the same array until
   * the entries change (callers must not modify it).
   * @throws the registry's error when the view is not live and etcd cannot be read.
   */
  async all(): Promise<readonly ScheduleEntry[]> {
    const cache = this.view.now();
    if (cache !== undefined) return (cache.sorted ??= [...cache.byUnit.values()].flatMap((m) => [...m.values()]).sort((a, b) => cmp(a.machineId, b.machineId) || cmp(a.name, b.name)));
    return (await this.source.scheduleSnapshot()).entries;
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
}

function sortByMachine(entries: ScheduleEntry[]): ScheduleEntry[] {
  return entries.sort((a, b) => cmp(a.machineId, b.machineId));
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

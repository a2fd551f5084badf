/**
 * The API's view of the schedule, so that a request about one unit never
 * reads the whole `schedule/` directory (its keys are per machine, so one
 * unit's entries cannot be read without scanning it).
 *
 * The house cache pattern (`follow`: list at R, watch from R+1, re-list on a
 * gap), started by the first request and stopped again after `idleMs`
 * without one, so a fleetd whose API nobody uses watches nothing (an
 * uninvolved host still sees no schedule traffic). Until the first listing
 * arrives, and while the watch has lost its connection, readers get a
 * direct read instead (which fails with the registry's error when etcd is
 * unreachable, as before). The schedule is written by the engine
 * asynchronously anyway, so a view a few milliseconds behind etcd shows
 * nothing a client could not also see from a slower engine.
 */
import { systemClock, type Clock } from '../clock.js';
import { IdleStop, setNested } from './view-support.js';
import { follow } from '../registry/watch.js';
import type { ApiRegistry, RegistryEvent, ScheduleEntry, Subscription } from '../registry/index.js';

/** Options of {@link ScheduleView}. */
export interface ScheduleViewOptions {
  /** Stop following after this long without a read, ms; default 60 000. */
  readonly idleMs?: number;
  readonly clock?: Clock;
}

/** What {@link ScheduleView} needs of the registry. */
export type ScheduleSource = Pick<ApiRegistry, 'scheduleSnapshot' | 'watchSchedule'>;

/** Schedule entries by unit name, kept current by a watch while the API is in use. */
export class ScheduleView {
  private readonly idleMs: number;
  private readonly clock: Clock;
  private sub: Subscription | undefined;
  /** Unit name -> machine id -> entry; undefined until the first listing (and after a stop). */
  private byUnit: Map<string, Map<string, ScheduleEntry>> | undefined;
  private connected = true;
  /** {@link all}'s answer, kept until the entries change. */
  private sorted: ScheduleEntry[] | undefined;
  private readonly idle: IdleStop;

  constructor(
    private readonly source: ScheduleSource,
    options: ScheduleViewOptions = {},
  ) {
    this.idleMs = options.idleMs ?? 60_000;
    this.clock = options.clock ?? systemClock;
    this.idle = new IdleStop(this.clock, this.idleMs, () => void this.close());
  }

  /** Whether reads are currently answered from memory (for tests and metrics). */
  get live(): boolean {
    return this.byUnit !== undefined && this.connected;
  }

  /**
   * The entries of `name`, sorted by machine id.
   * @throws the registry's error when the view is not live and etcd cannot be read.
   */
  async entriesOf(name: string): Promise<ScheduleEntry[]> {
    this.touch();
    if (this.live) return sortByMachine([...(this.byUnit!.get(name)?.values() ?? [])]);
    return sortByMachine((await this.source.scheduleSnapshot()).entries.filter((e) => e.name === name));
  }

  /**
   * Every entry, sorted by machine id then unit name; the same array until
   * the entries change (callers must not modify it).
   * @throws the registry's error when the view is not live and etcd cannot be read.
   */
  async all(): Promise<readonly ScheduleEntry[]> {
    this.touch();
    if (this.live) return (this.sorted ??= [...this.byUnit!.values()].flatMap((m) => [...m.values()]).sort((a, b) => cmp(a.machineId, b.machineId) || cmp(a.name, b.name)));
    return (await this.source.scheduleSnapshot()).entries;
  }

  /**
   * Starts following now (idempotent; counts as a use for the idle stop)
   * without waiting for the listing, for a client about to read (the
   * dashboard's page, see `StaticMount.startsViews`).
   */
  start(): void {
    this.touch();
  }

  /** Stops following (idempotent); the next read starts again. */
  async close(): Promise<void> {
    this.idle.cancel();
    const sub = this.sub;
    this.sub = undefined;
    this.byUnit = undefined;
    this.sorted = undefined;
    await sub?.close();
  }

  private touch(): void {
    this.idle.touch();
    if (this.sub !== undefined) return;
    this.connected = true;
    this.sub = follow<{ entries: ScheduleEntry[]; revision: bigint }, RegistryEvent>(
      { list: () => this.source.scheduleSnapshot(), watch: (from, listener) => this.source.watchSchedule(from, listener) },
      {
        onSnapshot: (snap) => {
          const byUnit = new Map<string, Map<string, ScheduleEntry>>();
          for (const e of snap.entries) setNested(byUnit, e.name, e.machineId, e);
          this.byUnit = byUnit;
          this.sorted = undefined;
          this.connected = true;
        },
        onEvents: (events) => {
          const byUnit = this.byUnit;
          if (byUnit === undefined) return;
          for (const ev of events) if (ev.kind === 'schedule') setNested(byUnit, ev.name, ev.machineId, ev.entry);
          this.sorted = undefined;
        },
        onResync: () => {
          this.byUnit = undefined;
          this.sorted = undefined;
        },
        onConnection: (connected) => {
          this.connected = connected;
        },
      },
      { clock: this.clock },
    );
  }
}

function sortByMachine(entries: ScheduleEntry[]): ScheduleEntry[] {
  return entries.sort((a, b) => cmp(a.machineId, b.machineId));
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

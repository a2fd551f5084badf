/**
 * The API's view of the machines (records with their dynamic metadata), so
 * that `GET /machines` (the dashboard, `fleetctl list-machines`) is answered
 * from memory instead of listing and decoding both directories per request.
 * Followed like {@link UnitsView} (a {@link FollowedView}: started by the
 * first read, stopped after a minute without one) and with the same
 * read-your-writes rule: a read asks etcd for its current revision (one
 * small read) and is answered once the watch has delivered up to it, else
 * after `catchUpMs` from etcd directly.
 */
import type { Clock } from '../clock.js';
import { withDynamicMetadata, type ApiRegistry, type MachineRecord, type MachinesSnapshot, type RegistryChange } from '../registry/index.js';
import { FollowedView, setNested } from './view-support.js';

/** Options of {@link MachinesView}. */
export interface MachinesViewOptions {
  /** Stop following after this long without a read, ms; default 60 000. */
  readonly idleMs?: number;
  /** How long a read waits for the watch to reach etcd's revision before reading etcd itself, ms; default 500. */
  readonly catchUpMs?: number;
  /** How long a read waits for the view's (first) listing before reading etcd itself, ms; default 10 000. */
  readonly listWaitMs?: number;
  readonly clock?: Clock;
}

/** What {@link MachinesView} needs of the registry. */
export type MachinesSource = Pick<ApiRegistry, 'machinesSnapshot' | 'watchChanges' | 'headRevision' | 'listMachines'>;

interface Cache {
  readonly machines: Map<string, MachineRecord>;
  /** Machine id -> dynamic metadata. */
  readonly dynamic: Map<string, Map<string, string>>;
  /** Merged and sorted by id, built on the first read after a change. */
  list: MachineRecord[] | undefined;
}

/** Machines with dynamic metadata merged, kept current by a watch while the API is listed. */
export class MachinesView {
  private readonly view: FollowedView<MachinesSnapshot, RegistryChange, Cache>;
  private readonly catchUpMs: number;
  private readonly listWaitMs: number;

  constructor(
    private readonly source: MachinesSource,
    options: MachinesViewOptions = {},
  ) {
    this.catchUpMs = options.catchUpMs ?? 500;
    this.listWaitMs = options.listWaitMs ?? 10_000;
    this.view = new FollowedView<MachinesSnapshot, RegistryChange, Cache>(
      { list: () => source.machinesSnapshot(), watch: (from, listener) => source.watchChanges(from, listener) },
      {
        fromSnapshot: (snap) => ({ machines: new Map(snap.machines.map((m) => [m.id, m])), dynamic: snap.dynamic, list: undefined }),
        apply: (cache, changes) => {
          for (const { event: ev } of changes) {
            if (ev.kind === 'machine') {
              if (ev.machine === undefined) cache.machines.delete(ev.machineId);
              else cache.machines.set(ev.machineId, ev.machine);
              cache.list = undefined;
            } else if (ev.kind === 'machineMetadata') {
              setNested(cache.dynamic, ev.machineId, ev.key, ev.value);
              cache.list = undefined;
            }
          }
        },
        revisionOf: (changes) => changes[changes.length - 1]?.event.revision,
      },
      { ...(options.idleMs !== undefined ? { idleMs: options.idleMs } : {}), ...(options.clock !== undefined ? { clock: options.clock } : {}) },
    );
  }

  /** Whether reads can be answered from memory (for tests and metrics). */
  get live(): boolean {
    return this.view.live;
  }

  /**
   * Every machine, sorted by id, dynamic metadata merged (as {@link ApiRegistry.listMachines}).
   * @throws the registry's error when etcd cannot be read.
   */
  async machines(): Promise<MachineRecord[]> {
    this.view.use();
    const listing = this.view.listing;
    if (!listing && !this.view.isConnected) return this.source.listMachines();
    const cache = await this.view.at(await this.source.headRevision(), listing ? this.listWaitMs : this.catchUpMs);
    if (cache === undefined) return this.source.listMachines();
    cache.list ??= withDynamicMetadata([...cache.machines.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)), cache.dynamic);
    return cache.list;
  }

  /** Starts following now without waiting for the listing (the dashboard's page, see `StaticMount.startsViews`). */
  start(): void {
    this.view.use();
  }

  /** Stops following (idempotent); the next read starts again. */
  close(): Promise<void> {
    return this.view.close();
  }
}

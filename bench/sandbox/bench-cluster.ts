import type { Registry, UnitWithText } from '../../src/registry/index.js';
import { SandboxCluster, type ClusterHost, type SandboxClusterOptions } from '../../src/sandbox/cluster.js';
import { waitUntil } from '../lib/wait.js';
import { FleetctlLauncher, RegistryLauncher, type UnitLauncher } from './launcher.js';
import { isGone, isRunning, isStopped, SystemdProbe } from './probe.js';
import { SystemdTimeoutError } from '../../src/systemd/errors.js';

/** Options of {@link BenchCluster.start}. */
export interface BenchClusterOptions extends SandboxClusterOptions {
  /** `registry` (default) or `fleetctl`. */
  readonly launcher?: string;
}

/**
 * A sandbox cluster (real etcd, real systemd --user per host, real fleetd)
 * with what the scenarios need on top: a systemd probe per host, a
 * launcher, and waits that poll systemd (shrinking the set of names as
 * they settle, so a 1,000-unit wait does not hammer the hosts).
 */
export class BenchCluster {
  private readonly probes = new Map<ClusterHost, SystemdProbe>();

  private constructor(
    readonly cluster: SandboxCluster,
    readonly launcher: UnitLauncher,
  ) {}

  /** Starts the cluster, waits until every machine registered and a leader exists. Stops everything on failure. */
  static async start(options: BenchClusterOptions): Promise<BenchCluster> {
    const cluster = await SandboxCluster.start(options);
    try {
      const launcher =
        options.launcher === 'fleetctl'
          ? new FleetctlLauncher(cluster.etcd.endpoints[0]!)
          : options.launcher === 'fleetctl-api'
            ? new FleetctlLauncher(`unix://${cluster.hosts[0]!.apiSocket}`, 'api')
            : new RegistryLauncher(cluster.registry.api);
      const bc = new BenchCluster(cluster, launcher);
      await bc.settle();
      return bc;
    } catch (err) {
      await cluster.stop();
      throw err;
    }
  }

  /** The registry client of the benchmark. */
  get registry(): Registry {
    return this.cluster.registry;
  }

  /** Hosts whose fleetd and systemd are alive. */
  liveHosts(): ClusterHost[] {
    return this.cluster.hosts.filter((h) => h.fleetd !== undefined && h.fleetd.exitCode === null && h.fleetd.signalCode === null);
  }

  /** Waits until every live host is registered and an engine leads. */
  async settle(timeoutMs = 60_000): Promise<void> {
    const want = this.liveHosts().length;
    await waitUntil(`${want} machines registered`, async () => (await this.registry.api.listMachines()).length === want, timeoutMs, 100);
    await waitUntil('an engine leader', async () => (await this.leaderHost()) !== undefined, timeoutMs, 100);
  }

  /** The host whose fleetd holds `engine/leader`; undefined when none does. */
  async leaderHost(): Promise<ClusterHost | undefined> {
    const { kv } = await this.registry.kv.get(this.registry.layout.leader());
    return kv === undefined ? undefined : this.cluster.hosts.find((h) => h.machineId === kv.value);
  }

  private async probe(h: ClusterHost): Promise<SystemdProbe> {
    let p = this.probes.get(h);
    if (p === undefined) this.probes.set(h, (p = await SystemdProbe.connect(h)));
    return p;
  }

  /** Drops the probe of a host that is being killed. */
  async forget(h: ClusterHost): Promise<void> {
    await this.probes.get(h)?.close();
    this.probes.delete(h);
  }

  /**
   * Resolves when every name in `names` is active/running on some live host
   * (or on every live host when `everywhere`); returns where each runs.
   */
  async waitRunning(
    names: readonly string[],
    opts: { everywhere?: boolean; timeoutMs?: number; hosts?: readonly ClusterHost[]; onRunning?: (name: string, host: ClusterHost) => void } = {},
  ): Promise<Map<string, ClusterHost[]>> {
    const hosts = opts.hosts ?? this.liveHosts();
    const where = new Map<string, ClusterHost[]>();
    const pending = new Set(names);
    const interval = names.length <= 10 ? 10 : names.length <= 100 ? 50 : 200;
    await waitUntil(
      `${names.length} units running`,
      async () => {
        const ask = [...pending];
        // Every host at once: asked one after another, a busy host's answer delayed noticing the others' by seconds.
        const answers = await Promise.all(
          hosts.map(async (h) =>
            // A host whose systemd is too busy to answer this round is asked again next round.
            (await this.probe(h)).loaded().catch((err: unknown) => {
              if (err instanceof SystemdTimeoutError) return [];
              throw err;
            }),
          ),
        );
        for (const [i, h] of hosts.entries()) {
          for (const s of answers[i]!) {
            if (!pending.has(s.name) || !isRunning(s)) continue;
            const list = where.get(s.name) ?? [];
            if (!list.includes(h)) {
              list.push(h);
              opts.onRunning?.(s.name, h);
            }
            where.set(s.name, list);
          }
        }
        for (const n of ask) if ((where.get(n)?.length ?? 0) >= (opts.everywhere ? hosts.length : 1)) pending.delete(n);
        return pending.size === 0;
      },
      opts.timeoutMs ?? 120_000,
      interval,
    );
    return where;
  }

  /**
   * Resolves when no live host's systemd runs any of `names`: each is
   * inactive (stopped, `stop`) or, with `unloaded`, not known at all
   * (`unload`); the registry still holds the units.
   */
  async waitStopped(names: readonly string[], opts: { unloaded?: boolean; timeoutMs?: number } = {}): Promise<void> {
    const pending = new Set(names);
    const interval = names.length <= 10 ? 10 : names.length <= 100 ? 50 : 200;
    const settled = opts.unloaded ? isGone : isStopped;
    await waitUntil(
      `${names.length} units ${opts.unloaded ? 'unloaded from' : 'stopped in'} systemd`,
      async () => {
        const ask = [...pending];
        const busy = new Set<string>();
        for (const states of await Promise.all(this.liveHosts().map(async (h) => (await this.probe(h)).states(ask)))) for (const s of states) if (!settled(s)) busy.add(s.name);
        for (const n of ask) if (!busy.has(n)) pending.delete(n);
        return pending.size === 0;
      },
      opts.timeoutMs ?? 300_000,
      interval,
    );
  }

  /** Resolves when no live host's systemd knows any of `names` and the registry holds no unit, schedule or state for them. */
  async waitGone(names: readonly string[], timeoutMs = 300_000): Promise<void> {
    const pending = new Set(names);
    const interval = names.length <= 10 ? 10 : names.length <= 100 ? 50 : 200;
    await waitUntil(
      `${names.length} units gone from systemd`,
      async () => {
        const ask = [...pending];
        const known = new Set<string>();
        for (const states of await Promise.all(this.liveHosts().map(async (h) => (await this.probe(h)).states(ask)))) for (const s of states) if (!isGone(s)) known.add(s.name);
        for (const n of ask) if (!known.has(n)) pending.delete(n);
        return pending.size === 0;
      },
      timeoutMs,
      interval,
    );
    const set = new Set(names);
    await waitUntil(
      `${names.length} units gone from the registry`,
      async () => {
        const api = this.registry.api;
        const [units, schedule, states] = await Promise.all([api.listUnits(), api.listSchedule(), api.listStates()]);
        return !units.some((u) => set.has(u.unit.name)) && !schedule.some((e) => set.has(e.name)) && !states.some((s) => set.has(s.name));
      },
      timeoutMs,
      interval,
    );
  }

  /** Destroys every unit and waits until systemd and the registry forget them (not timed). */
  async clean(): Promise<void> {
    const names = (await this.registry.api.listUnits()).map((u) => u.unit.name);
    if (names.length === 0) return;
    await new RegistryLauncher(this.registry.api).destroy(names);
    await this.waitGone(names);
  }

  /** Starts `units` through the launcher. */
  start(units: readonly UnitWithText[]): Promise<void> {
    return this.launcher.start(units);
  }

  /** Stops probes, fleetds, hosts and etcd. Never throws. */
  async stop(): Promise<void> {
    for (const p of this.probes.values()) await p.close();
    this.probes.clear();
    await this.cluster.stop().catch(() => undefined);
  }
}

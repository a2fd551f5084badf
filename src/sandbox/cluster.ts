import type { ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createEtcdRegistry, type Registry } from '../registry/index.js';
import { startEtcd, type TestEtcd } from './etcd.js';
import { startSandboxHost, type SandboxHost } from './host.js';
import { FLEETD_ENV, FLEETD_NODE_FLAGS } from '../fleetd/node-flags.js';
import { MOVED_EXTRA_CA_CERTS_VAR } from '../tls/extra-ca-certs.js';

/** Compiled fleetd entry point (this file lives in dist/src/sandbox/). */
/** fleetd as installed: the bundle `npm run build` makes (scripts/bundle.mjs), not tsc's many modules. */
const FLEETD = new URL('../../fleetd-bundle/fleetd.js', import.meta.url).pathname;

/** Options of {@link SandboxCluster.start}; all optional. */
export interface SandboxClusterOptions {
  /** Number of hosts to start with; default 3. */
  readonly hosts?: number;
  /** `agent_ttl` for every fleetd; default `5s` (tests want fast failure detection). */
  readonly agentTtl?: string;
  /** `engine_lease_ttl`; default `3s`. */
  readonly engineLeaseTtl?: string;
  /** Metadata per host index (`k=v,k2=v2`). */
  readonly metadata?: (index: number) => string | undefined;
  /** `resources=` per host index (`cpu=2,memory=2G`); default detected. */
  readonly resources?: (index: number) => string | undefined;
  /** Extra FLEET_* variables for every fleetd. */
  readonly env?: Readonly<Record<string, string>>;
  /** Label mixed into host names; default `fc`. */
  readonly label?: string;
  /** Node/V8 flags for every fleetd; default the ones the fleetd bin uses ({@link FLEETD_NODE_FLAGS}). */
  readonly nodeArgs?: readonly string[];
  /** etcd members on loopback (every fleetd is given all their endpoints); default 1. */
  readonly etcdMembers?: number;
}

/** One sandbox host with its fleetd. */
export interface ClusterHost {
  readonly index: number;
  readonly host: SandboxHost;
  readonly machineId: string;
  readonly publicIp: string;
  /** The fleetd API socket of this host. */
  readonly apiSocket: string;
  /** The running fleetd process, if any. */
  fleetd: ChildProcess | undefined;
  /** Path of this host's fleetd log (all runs appended). */
  readonly logPath: string;
}

/**
 * A local fleet cluster for tests, benchmarks and the quick start: a real
 * etcd on loopback (one member, or several) and N sandbox hosts, each a real `systemd --user` in its
 * own namespaces running its own fleetd (distinct machine id, public IP
 * 127.0.0.<n+1>, metadata, API socket). Everything is stopped by PID.
 */
export class SandboxCluster {
  readonly hosts: ClusterHost[] = [];
  /** A registry client on the cluster's etcd, for assertions. */
  readonly registry: Registry;
  /**
   * The etcd endpoints host `index`'s fleetd is given (e.g. fault-injecting
   * proxies, see `fault-proxy.ts`); unset: etcd's own. Set it before adding
   * hosts (start with `hosts: 0`); it applies to every later fleetd start.
   */
  etcdEndpointsFor: ((index: number) => readonly string[]) | undefined;
  private stopped = false;

  private constructor(
    readonly etcd: TestEtcd,
    private readonly options: SandboxClusterOptions,
  ) {
    this.registry = createEtcdRegistry({ endpoints: etcd.endpoints });
  }

  /** Starts etcd and the hosts; on failure stops whatever started and rethrows. */
  static async start(options: SandboxClusterOptions = {}): Promise<SandboxCluster> {
    const etcd = await startEtcd({ members: options.etcdMembers ?? 1 });
    const cluster = new SandboxCluster(etcd, options);
    try {
      for (let i = 0; i < (options.hosts ?? 3); i++) await cluster.addHost();
    } catch (err) {
      await cluster.stop();
      throw err;
    }
    return cluster;
  }

  /** Starts one more host with its fleetd. */
  async addHost(extraEnv: Readonly<Record<string, string>> = {}): Promise<ClusterHost> {
    const index = this.hosts.length;
    const host = await startSandboxHost({ label: `${this.options.label ?? 'fc'}${index}` });
    const ch: ClusterHost = {
      index,
      host,
      machineId: host.machineId,
      publicIp: `127.0.0.${index + 2}`,
      apiSocket: join(host.scratchDir, 'fleet.sock'),
      fleetd: undefined,
      logPath: join(host.scratchDir, 'fleetd.log'),
    };
    this.hosts.push(ch);
    this.startFleetd(ch, extraEnv);
    return ch;
  }

  /** Environment a fleetd on `h` runs with. */
  fleetdEnv(h: ClusterHost, extra: Readonly<Record<string, string>> = {}): Record<string, string> {
    const metadata = this.options.metadata?.(h.index);
    const resources = this.options.resources?.(h.index);
    return {
      ...h.host.env,
      ...FLEETD_ENV,
      FLEET_ETCD_SERVERS: (this.etcdEndpointsFor?.(h.index) ?? this.etcd.endpoints).join(','),
      FLEET_MACHINE_ID: h.machineId,
      FLEET_PUBLIC_IP: h.publicIp,
      FLEET_SYSTEMD_USER: 'true',
      FLEET_API_SOCKET: h.apiSocket,
      FLEET_AGENT_TTL: this.options.agentTtl ?? '5s',
      FLEET_ENGINE_LEASE_TTL: this.options.engineLeaseTtl ?? '3s',
      ...(metadata ? { FLEET_METADATA: metadata } : {}),
      ...(resources ? { FLEET_RESOURCES: resources } : {}),
      ...this.options.env,
      ...extra,
    };
  }

  /** Starts fleetd on `h` (inside its namespaces), logging to `h.logPath`. */
  startFleetd(h: ClusterHost, extraEnv: Readonly<Record<string, string>> = {}): ChildProcess {
    if (h.fleetd !== undefined && h.fleetd.exitCode === null && h.fleetd.signalCode === null) throw new Error(`fleetd already runs on host ${h.index}`);
    const log = openSync(h.logPath, 'a');
    try {
      const nodeArgs = this.options.nodeArgs ?? FLEETD_NODE_FLAGS;
      // As the bin's #! line: NODE_EXTRA_CA_CERTS moved aside (src/tls/extra-ca-certs.ts); env execs, so the PID is node's.
      const env = { ...this.fleetdEnv(h, extraEnv), [MOVED_EXTRA_CA_CERTS_VAR]: process.env.NODE_EXTRA_CA_CERTS ?? '' };
      h.fleetd = h.host.spawnInHost('/usr/bin/env', ['-u', 'NODE_EXTRA_CA_CERTS', process.execPath, ...nodeArgs, FLEETD], { env, stdio: ['ignore', log, log] });
    } finally {
      closeSync(log);
    }
    return h.fleetd;
  }

  /** Sends `signal` to fleetd on `h` and waits for it to exit. */
  async stopFleetd(h: ClusterHost, signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 20_000): Promise<void> {
    const p = h.fleetd;
    if (p === undefined || p.exitCode !== null || p.signalCode !== null) return;
    const exited = new Promise<void>((r) => p.once('exit', () => r()));
    p.kill(signal);
    const timer = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
    await exited;
    clearTimeout(timer);
  }

  /** SIGKILLs the whole host: its fleetd, systemd and every unit process. */
  async killHost(h: ClusterHost): Promise<void> {
    await this.stopFleetd(h, 'SIGKILL');
    await h.host.stop();
  }

  /**
   * Powers a host that {@link killHost} turned off back on: a fresh sandbox
   * (new systemd, nothing running) with the same machine id, public IP and
   * API socket path, and its fleetd started.
   */
  async restartHost(h: ClusterHost, extraEnv: Readonly<Record<string, string>> = {}): Promise<ClusterHost> {
    await this.killHost(h);
    const host = await startSandboxHost({ label: `${this.options.label ?? 'fc'}${h.index}r`, machineId: h.machineId });
    const next: ClusterHost = {
      index: h.index,
      host,
      machineId: h.machineId,
      publicIp: h.publicIp,
      apiSocket: join(host.scratchDir, 'fleet.sock'),
      fleetd: undefined,
      logPath: join(host.scratchDir, 'fleetd.log'),
    };
    this.hosts[h.index] = next;
    this.startFleetd(next, extraEnv);
    return next;
  }

  /** The host's fleetd log so far ('' if none). */
  logs(h: ClusterHost): string {
    return existsSync(h.logPath) ? readFileSync(h.logPath, 'utf8') : '';
  }

  /** Runs `systemctl --user <args>` inside host `h`. */
  async systemctl(h: ClusterHost, ...args: string[]): Promise<string> {
    const r = await h.host.exec(['systemctl', '--user', ...args]);
    return r.stdout;
  }

  /** Stops every fleetd (SIGKILL: tests do not need a graceful exit), every host and etcd. Idempotent. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.registry.close().catch(() => undefined);
    for (const h of this.hosts) {
      await this.stopFleetd(h, 'SIGKILL').catch(() => undefined);
      await h.host.stop().catch(() => undefined);
    }
    await this.etcd.stop();
  }
}

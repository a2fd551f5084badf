import { Agent } from '../../src/agent/agent.js';
import { Engine } from '../../src/engine/engine.js';
import { silentLogger } from '../../src/fleetd/logger.js';
import { EtcdKv } from '../../src/registry/etcd-kv.js';
import { createRegistry, type MachineRecord, type Registry } from '../../src/registry/index.js';
import { FakeSystemdDriver } from '../../src/systemd/fake-driver.js';
import { CountingKv } from './counting-kv.js';

/** One in-process component with its own etcd client and store counters. */
export interface Counted {
  readonly kv: CountingKv;
  readonly registry: Registry;
}

/** One hollow host: a real Agent over a fake systemd, on its own etcd client. */
export interface HollowHost extends Counted {
  readonly id: string;
  readonly driver: FakeSystemdDriver;
  readonly agent: Agent;
}

/** A registry on its own etcd connection, wrapped in a counter. */
export function countedRegistry(endpoint: string): Counted {
  const kv = new CountingKv(new EtcdKv({ endpoints: [endpoint], requestTimeoutMs: 30_000 }));
  return { kv, registry: createRegistry(kv) };
}

/** A 32-hex machine id derived from `n`, so runs are repeatable. */
export function machineIdOf(n: number, salt = 'b'): string {
  return `${salt}${n.toString(16).padStart(31, '0')}`.slice(0, 32);
}

/**
 * Engine, agents and an API client in this process, each on its own etcd
 * connection with its own {@link CountingKv}, so store traffic can be
 * attributed per component. Everything is stopped by {@link stop}.
 */
export class InprocCluster {
  readonly hosts: HollowHost[] = [];
  engine: (Counted & { engine: Engine }) | undefined;
  readonly api: Counted;

  constructor(private readonly endpoint: string, private readonly agentTtlMs = 30_000) {
    this.api = countedRegistry(endpoint);
  }

  /** Starts the engine (it wins the election, being the only candidate). */
  async startEngine(): Promise<void> {
    const c = countedRegistry(this.endpoint);
    const engine = new Engine({ registry: c.registry.engine, election: c.registry.election({ machineId: machineIdOf(0, 'e'), ttlSeconds: 5 }), logger: silentLogger(), reconcileIntervalMs: 2000 });
    this.engine = { ...c, engine };
    await engine.start();
  }

  /** Starts one agent with `metadata`. */
  async addHost(n: number, metadata: Record<string, string> = {}): Promise<HollowHost> {
    const c = countedRegistry(this.endpoint);
    const driver = new FakeSystemdDriver();
    const id = machineIdOf(n);
    const machine: MachineRecord = { id, publicIP: `127.0.1.${n % 250}`, metadata, version: 'bench', capabilities: {} };
    const agent = new Agent({ registry: c.registry.agent, driver, machine, ttlMs: this.agentTtlMs, logger: silentLogger() });
    const host = { ...c, id, driver, agent };
    this.hosts.push(host);
    await agent.start();
    return host;
  }

  /** Stops engine, agents (not gracefully: their units stay) and clients. */
  async stop(): Promise<void> {
    await this.engine?.engine.stop().catch(() => undefined);
    await this.engine?.registry.close().catch(() => undefined);
    for (const h of this.hosts) {
      await h.agent.stop({ graceful: false }).catch(() => undefined);
      await h.driver.close().catch(() => undefined);
      await h.registry.close().catch(() => undefined);
    }
    await this.api.registry.close().catch(() => undefined);
  }
}

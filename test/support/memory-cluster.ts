import { createMemoryRegistry, type MachineRecord, type MemoryRegistry } from '../../src/registry/index.js';
import { Engine } from '../../src/engine/engine.js';
import { Agent } from '../../src/agent/agent.js';
import { FakeSystemdDriver, type FakeDriverOptions } from '../../src/systemd/fake-driver.js';
import { silentLogger } from '../../src/fleetd/logger.js';
import type { MachineResources } from '../../src/resources/index.js';

/** One in-process host: an agent over a fake systemd. */
export interface MemoryHost {
  readonly id: string;
  readonly driver: FakeSystemdDriver;
  agent: Agent;
  /** Restarts the agent on the same (still running) fake systemd, as after a fleetd crash. */
  restartAgent(): Promise<void>;
}

/**
 * A whole cluster in one process: the in-memory registry, one engine and
 * agents over fake systemd drivers. For fast tests of engine + agent logic;
 * the same scenarios run against real etcd and systemd in test/integration.
 */
export class MemoryCluster {
  readonly registry: MemoryRegistry = createMemoryRegistry();
  readonly hosts = new Map<string, MemoryHost>();
  readonly engine: Engine;

  /** `agentOptions`: the agents' hold after a registry reset (default none) and longest retry wait (default 200 ms); `driverOptions`: every host's fake systemd. */
  constructor(
    private readonly ttlMs = 5000,
    private readonly agentOptions: { readonly resetHoldMs?: number; readonly retryIntervalMs?: number } = {},
    private readonly driverOptions: FakeDriverOptions = {},
  ) {
    this.engine = new Engine({ registry: this.registry.engine, election: this.registry.election({ machineId: 'engine', ttlSeconds: 5 }), logger: silentLogger(), reconcileIntervalMs: 200 });
  }

  async start(): Promise<void> {
    await this.engine.start();
  }

  async addHost(id: string, metadata: Record<string, string> = {}, resources?: MachineResources): Promise<MemoryHost> {
    const driver = new FakeSystemdDriver(this.driverOptions);
    const machine: MachineRecord = { id, publicIP: '127.0.0.1', metadata, version: 'test', capabilities: {}, ...(resources !== undefined ? { resources } : {}) };
    const makeAgent = () => new Agent({ registry: this.registry.agent, driver, machine, ttlMs: this.ttlMs, logger: silentLogger(), retryIntervalMs: 200, ...this.agentOptions });
    const host: MemoryHost = {
      id,
      driver,
      agent: makeAgent(),
      restartAgent: async () => {
        await host.agent.stop({ graceful: false });
        host.agent = makeAgent();
        await host.agent.start();
      },
    };
    await host.agent.start();
    this.hosts.set(id, host);
    return host;
  }

  async stop(): Promise<void> {
    await this.engine.stop();
    for (const h of this.hosts.values()) {
      await h.agent.stop({ graceful: false }).catch(() => undefined);
      await h.driver.close();
    }
    await this.registry.close();
  }
}

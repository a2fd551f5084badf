/**
 * Child process of the scale benchmark: runs many hollow machines, each a
 * real {@link Agent} (own lease, own schedule watch) over a
 * {@link FakeSystemdDriver}, against a real etcd. Configured by JSON in
 * argv[2] ({@link AgentsChildConfig}); talks to the parent over IPC.
 */
import { Agent } from '../../src/agent/agent.js';
import { silentLogger } from '../../src/fleetd/logger.js';
import { EtcdKv } from '../../src/registry/etcd-kv.js';
import { createRegistry, type Registry } from '../../src/registry/index.js';
import { FakeSystemdDriver } from '../../src/systemd/fake-driver.js';
import { serveParent, type AgentsChildConfig } from './protocol.js';

const config = JSON.parse(process.argv[2] ?? '{}') as AgentsChildConfig;
const logger = silentLogger();
const registries: Registry[] = [];
const hosts: Array<{ agent: Agent; driver: FakeSystemdDriver }> = [];

async function start(): Promise<void> {
  let registry: Registry | undefined;
  const starts: Promise<void>[] = [];
  for (let i = 0; i < config.machines.length; i++) {
    if (i % config.agentsPerClient === 0) {
      registry = createRegistry(new EtcdKv({ endpoints: [config.endpoint], requestTimeoutMs: 30_000 }));
      registries.push(registry);
    }
    const m = config.machines[i]!;
    const driver = new FakeSystemdDriver();
    const agent = new Agent({
      registry: registry!.agent,
      driver,
      machine: { id: m.id, publicIP: '127.0.0.1', metadata: m.metadata, version: 'bench', capabilities: {} },
      ttlMs: config.ttlMs,
      logger,
    });
    hosts.push({ agent, driver });
    starts.push(agent.start());
    // A few dozen registrations in flight at a time: enough to overlap round trips.
    if (starts.length >= 25) await Promise.all(starts.splice(0));
  }
  await Promise.all(starts);
}

async function runningUnits(): Promise<number> {
  let n = 0;
  for (const h of hosts) {
    const names = await h.driver.managedUnits();
    for (const s of await h.driver.listStates(names)) if (s.subState === 'running') n++;
  }
  return n;
}

serveParent(
  async () => ({ runningUnits: await runningUnits() }),
  async () => {
    await Promise.all(hosts.map((h) => h.agent.stop({ graceful: false }).catch(() => undefined)));
    await Promise.all(hosts.map((h) => h.driver.close().catch(() => undefined)));
    await Promise.all(registries.map((r) => r.close().catch(() => undefined)));
  },
);

start().then(
  () => process.send?.({ type: 'ready' }),
  (err: unknown) => {
    process.send?.({ type: 'error', message: String((err as Error)?.stack ?? err) });
    process.exit(1);
  },
);

/**
 * Child process of the scale benchmark: one fleetd-style {@link Engine} on a
 * real etcd (the only candidate, so it leads). Configured by JSON in argv[2]
 * ({@link EngineChildConfig}); talks to the parent over IPC.
 */
import { Engine } from '../../src/engine/engine.js';
import { silentLogger } from '../../src/fleetd/logger.js';
import { createEtcdRegistry } from '../../src/registry/index.js';
import { serveParent, type EngineChildConfig } from './protocol.js';

const config = JSON.parse(process.argv[2] ?? '{}') as EngineChildConfig;
const registry = createEtcdRegistry({ endpoints: [config.endpoint], requestTimeoutMs: 30_000 });
const engine = new Engine({
  registry: registry.engine,
  election: registry.election({ machineId: config.machineId, ttlSeconds: config.leaseTtlSeconds }),
  logger: silentLogger(),
  reconcileIntervalMs: 2000,
});

serveParent(
  () => ({ engine: { active: engine.active, ...engine.stats } }),
  async () => {
    await engine.stop().catch(() => undefined);
    await registry.close().catch(() => undefined);
  },
);

engine.start().then(
  () => process.send?.({ type: 'ready' }),
  (err: unknown) => {
    process.send?.({ type: 'error', message: String((err as Error)?.stack ?? err) });
    process.exit(1);
  },
);

/**
 * The fuzzing target: fleetd's API server (the same `startApiServer` and
 * registry fleetd builds) on a real etcd, serving a unix socket, with a
 * machine present so machine-metadata requests can succeed.
 */
import { join } from 'node:path';
import { FakeLocalCommands, startApiServer, type ApiServer } from '../../src/api/index.js';
import { createEtcdRegistry, encodeMachine, type Registry } from '../../src/registry/index.js';
import type { FuzzTarget } from './api-fuzz.js';

/** A running fuzz target. */
export interface FuzzApi {
  readonly registry: Registry;
  readonly server: ApiServer;
  readonly target: FuzzTarget;
  /** Valid bearer texts the generator may send. */
  readonly tokens: readonly string[];
  stop(): Promise<void>;
}

/** Starts the API on `<dir>/fleet.sock` against etcd at `endpoints`, under a fresh key prefix. */
export async function startFuzzApi(options: { endpoints: readonly string[]; dir: string; prefix?: string }): Promise<FuzzApi> {
  const prefix = options.prefix ?? `/fuzz${process.pid}/`;
  const registry = createEtcdRegistry({ endpoints: [...options.endpoints], prefix });
  await registry.kv.txn([], [{ type: 'put', key: registry.layout.machine('m1'), value: encodeMachine({ id: 'm1', publicIP: '127.0.0.1', metadata: {}, version: 'fuzz', capabilities: {} }) }]);
  const socketPath = join(options.dir, 'fleet.sock');
  const server = await startApiServer({ registry: registry.api, machineId: 'm1', listen: { socket: socketPath }, commands: new FakeLocalCommands('system') });
  const probe = registry.layout.leader();
  return {
    registry,
    server,
    tokens: [],
    target: {
      connect: { socketPath },
      // Reading one key returns the store revision; nothing else writes under this prefix.
      revision: async () => (await registry.kv.get(probe)).revision,
    },
    stop: async () => {
      await server.close();
      await registry.kv.txn([], [{ type: 'deletePrefix', prefix }]).catch(() => undefined);
      await registry.close();
    },
  };
}

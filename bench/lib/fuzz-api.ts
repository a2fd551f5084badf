/**
 * The fuzzing target: fleetd's API server (the same `startApiServer`,
 * registry and security setup fleetd builds) on a real etcd, serving its
 * token-free unix socket and a loopback TCP listener that requires tokens
 * (`api_auth=tcp`, fleetd's default), with a machine present so
 * machine-metadata requests can succeed, and tokens of every role plus an
 * expired and a revoked one for the generator to send.
 */
import { join } from 'node:path';
import { FakeLocalCommands, startApiServer, type ApiServer } from '../../src/api/index.js';
import { issueToken, ROLES } from '../../src/auth/index.js';
import { silentLogger } from '../../src/fleetd/logger.js';
import { setUpApiSecurity } from '../../src/fleetd/api-security.js';
import { createFleetMetrics } from '../../src/metrics/index.js';
import { createEtcdRegistry, encodeMachine, type Registry } from '../../src/registry/index.js';
import type { FuzzTarget, FuzzToken } from './api-fuzz.js';

/** A running fuzz target. */
export interface FuzzApi {
  readonly registry: Registry;
  readonly server: ApiServer;
  readonly target: FuzzTarget;
  /** Bearer texts the generator may send, with what the server must take each for. */
  readonly tokens: readonly FuzzToken[];
  stop(): Promise<void>;
}

/**
 * Starts the API on `<dir>/fleet.sock` and 127.0.0.1 (a free port) against
 * etcd at `endpoints`, under a fresh key prefix. The rate limit is set far
 * above what one sequential client sends, so requests reach the handlers
 * (429s are the flood benchmark's subject).
 */
export async function startFuzzApi(options: { endpoints: readonly string[]; dir: string; prefix?: string }): Promise<FuzzApi> {
  const prefix = options.prefix ?? `/fuzz${process.pid}/`;
  const registry = createEtcdRegistry({ endpoints: [...options.endpoints], prefix });
  await registry.kv.txn([], [{ type: 'put', key: registry.layout.machine('m1'), value: encodeMachine({ id: 'm1', publicIP: '127.0.0.1', metadata: {}, version: 'fuzz', capabilities: {} }) }]);

  const now = Date.now();
  const tokens: FuzzToken[] = [];
  const admin = issueToken({ name: 'fuzz-admin', role: 'admin', now });
  await registry.tokens.bootstrap(admin.record);
  tokens.push({ bearer: admin.bearer, as: 'admin' });
  for (const role of ROLES.filter((r) => r !== 'admin')) {
    const t = issueToken({ name: `fuzz-${role}`, role, now });
    await registry.tokens.createToken(t.record);
    tokens.push({ bearer: t.bearer, as: role });
  }
  const expired = issueToken({ name: 'fuzz-expired', role: 'admin', now: now - 60_000, ttlMs: 1000 });
  await registry.tokens.createToken(expired.record);
  tokens.push({ bearer: expired.bearer, as: 'expired' });
  const revoked = issueToken({ name: 'fuzz-revoked', role: 'admin', now });
  await registry.tokens.createToken(revoked.record);
  await registry.tokens.revokeToken(revoked.record.id);
  tokens.push({ bearer: revoked.bearer, as: 'revoked' });

  const security = setUpApiSecurity(
    { auth: 'tcp', insecure: false, rate: { qps: 1_000_000, burst: 1_000_000 }, headerTimeoutMs: 10_000, bodyTimeoutMs: 30_000, maxConnections: 512, maxStreams: 32, inflight: { maxInflight: 1_000_000, maxQueued: 0 } },
    registry,
    createFleetMetrics(),
    silentLogger(),
  );
  await security.cache.whenLoaded();
  const socketPath = join(options.dir, 'fleet.sock');
  const server = await startApiServer({
    ...security.server,
    registry: registry.api,
    machineId: 'm1',
    listen: { socket: socketPath, tcp: '127.0.0.1:0', ...security.listen },
    commands: new FakeLocalCommands('system'),
  });
  const tcp = /^tcp:\/\/127\.0\.0\.1:(\d+)$/.exec(server.addresses.find((a) => a.startsWith('tcp://')) ?? '');
  if (tcp === null) throw new Error(`fuzz API: no loopback TCP listener in ${server.addresses.join(', ')}`);
  const probe = registry.layout.leader();
  return {
    registry,
    server,
    tokens,
    target: {
      unix: { socketPath },
      tcp: { host: '127.0.0.1', port: Number(tcp[1]) },
      // Reading one key returns the store revision; nothing else writes under this prefix.
      revision: async () => (await registry.kv.get(probe)).revision,
    },
    stop: async () => {
      await server.close();
      await security.cache.close();
      await registry.kv.txn([], [{ type: 'deletePrefix', prefix }]).catch(() => undefined);
      await registry.close();
    },
  };
}

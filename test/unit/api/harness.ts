/**
 * Test harness for the API: a server on a temporary unix socket backed by
 * an in-memory registry and fake local commands, and a raw HTTP client.
 */
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startApiServer, type ApiServer, type StartApiServerOptions } from '../../../src/api/server.js';
import { FakeLocalCommands } from '../../../src/api/fake-local-commands.js';
import { createFleetMetrics, type FleetMetrics } from '../../../src/metrics/index.js';
import { silentLogger } from '../../../src/fleetd/logger.js';
import {
  createMemoryRegistry,
  encodeMachine,
  encodeSchedule,
  encodeState,
  type MachineRecord,
  type MemoryRegistry,
  type ScheduleEntry,
  type UnitStateRecord,
} from '../../../src/registry/index.js';

/** A raw HTTP response. */
export interface RawResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly trailers: NodeJS.Dict<string>;
  readonly text: string;
  /** Parsed JSON body, or undefined when the body is empty or not JSON. */
  readonly json: any;
}

/** A running test server. */
export interface Harness {
  readonly registry: MemoryRegistry;
  readonly commands: FakeLocalCommands;
  readonly metrics: FleetMetrics;
  readonly server: ApiServer;
  readonly socket: string;
  readonly dir: string;
  request(method: string, path: string, options?: { body?: string | Buffer; headers?: Record<string, string | string[]> }): Promise<RawResponse>;
  /** PUT with a JSON body and `Content-Type: application/json`. */
  put(path: string, body: unknown): Promise<RawResponse>;
  addMachine(m: Partial<MachineRecord> & { id: string }): Promise<void>;
  schedule(e: ScheduleEntry): Promise<void>;
  report(s: Partial<UnitStateRecord> & { name: string; machineId: string; hash: string }): Promise<void>;
  stop(): Promise<void>;
}

/** Starts a server (machine id `m1`, page size 100 unless overridden). */
export async function startHarness(overrides: Partial<StartApiServerOptions> = {}): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), 'fleet-api-'));
  const socket = join(dir, 'fleet.sock');
  const registry = createMemoryRegistry();
  const commands = new FakeLocalCommands('system');
  const metrics = createFleetMetrics();
  const server = await startApiServer({
    registry: registry.api,
    machineId: 'm1',
    tokenLimit: 100,
    listen: { socket },
    commands,
    metrics,
    // fleetd's pino logger must fit ApiLogger.
    logger: silentLogger(),
    ...overrides,
  });
  const put = async (key: string, value: string) => {
    await registry.kv.txn([], [{ type: 'put', key, value }]);
  };
  const h: Harness = {
    registry,
    commands,
    metrics,
    server,
    socket,
    dir,
    request: (method, path, options = {}) => rawRequest(socket, method, path, options),
    put: (path, body) => rawRequest(socket, 'PUT', path, { body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } }),
    addMachine: (m) =>
      put(registry.layout.machine(m.id), encodeMachine({ id: m.id, publicIP: m.publicIP ?? '', metadata: m.metadata ?? {}, version: m.version ?? '0.1.0', capabilities: m.capabilities ?? {}, ...(m.resources !== undefined ? { resources: m.resources } : {}) })),
    schedule: (e) => put(registry.layout.schedule(e.machineId, e.name), encodeSchedule(e)),
    report: (s) =>
      put(
        registry.layout.state(s.name, s.machineId),
        encodeState({ loadState: 'loaded', activeState: 'active', subState: 'running', timestamp: 1, ...s }),
      ),
    async stop() {
      await server.close();
      await registry.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return h;
}

/** One HTTP request over a unix socket; resolves with status, headers, trailers and body. */
export function rawRequest(
  socketPath: string,
  method: string,
  path: string,
  options: { body?: string | Buffer; headers?: Record<string, string | string[]> } = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ socketPath, method, path, headers: options.headers ?? {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: unknown;
        try {
          json = text === '' ? undefined : JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, trailers: res.trailers, text, json });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

/** Unit options as the API takes them. */
export function opts(...lines: Array<[string, string, string]>): Array<{ section: string; name: string; value: string }> {
  return lines.map(([section, name, value]) => ({ section, name, value }));
}

/** A plain service's options. */
export const SERVICE = opts(['Service', 'ExecStart', '/bin/sleep 1000']);

/**
 * The fleet API v1 server: one request handler (routing, error translation,
 * `Server: fleetd/<version>`, metrics) served on every configured listener.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createFleetMetrics, type FleetMetrics } from '../metrics/index.js';
import type { ApiRegistry } from '../registry/index.js';
import { VERSION } from '../version.js';
import type { ApiContext, ApiLogger } from './context.js';
import { ApiError, toApiError } from './errors.js';
import { activationFds, clearActivationEnv, listenFd, listenTcp, listenUnix } from './listeners.js';
import { parseHostPort, type HostPort } from '../domain/index.js';
import type { LocalCommands } from './local-commands.js';
import { text, type Reply } from './reply.js';
import { DEFAULT_MAX_BODY_BYTES, type ApiRequest } from './request.js';
import { route, type Handler } from './router.js';

/** Where to listen; at least one listener must result. */
export interface ApiListenOptions {
  /** Unix socket path (fleet's `/var/run/fleet.sock`); undefined = none. */
  readonly socket?: string;
  /** Mode of the socket file; default 0o660. */
  readonly socketMode?: number;
  /** TCP address (`host:port`, a bare port, or an object); undefined = none (the default: the API has no authentication). */
  readonly tcp?: string | HostPort;
  /** Also serve on the sockets systemd passed (`LISTEN_PID`/`LISTEN_FDS`); the variables are then removed from `env`. */
  readonly activation?: boolean;
  /** Environment holding the activation variables; default `process.env`. */
  readonly env?: NodeJS.ProcessEnv;
}

/** Options of {@link startApiServer}; `registry`, `machineId`, `listen` and `commands` are required. */
export interface StartApiServerOptions {
  /** The API's registry role. */
  readonly registry: ApiRegistry;
  /** This fleetd's machine id (status/journal are served only for units scheduled here). */
  readonly machineId: string;
  /** Page size (`token_limit`); default 100. */
  readonly tokenLimit?: number;
  /** Default: logs nothing. */
  readonly logger?: ApiLogger;
  readonly listen: ApiListenOptions;
  /** Runs systemctl/journalctl for the status and journal endpoints. */
  readonly commands: LocalCommands;
  /** Served at `/metrics`; default a fresh registry with fleet's metrics. */
  readonly metrics?: FleetMetrics;
  /** Largest request body; default 1 MiB. */
  readonly maxBodyBytes?: number;
  /** How long `close()` waits for requests in flight before cutting connections, ms; default 5000. */
  readonly shutdownGraceMs?: number;
}

/** A running API server. */
export interface ApiServer {
  /** One per listener: `unix:///path`, `tcp://127.0.0.1:49152`, `fd://3`. */
  readonly addresses: readonly string[];
  /**
   * Stops accepting, ends streaming responses (journal `follow`), waits for
   * requests in flight up to the grace period, then closes every
   * connection; removes the socket file it created. Idempotent; never rejects.
   */
  close(): Promise<void>;
}

const SILENT: ApiLogger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

/**
 * Starts the API on every configured listener.
 * @returns once all listeners accept connections.
 * @throws when a listener cannot be opened (the others are closed again),
 *   or when no listener was configured or passed by systemd.
 */
export async function startApiServer(options: StartApiServerOptions): Promise<ApiServer> {
  const logger = options.logger ?? SILENT;
  const metrics = options.metrics ?? createFleetMetrics();
  const ctx: ApiContext = {
    registry: options.registry,
    machineId: options.machineId,
    tokenLimit: options.tokenLimit ?? 100,
    maxBodyBytes: options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
    commands: options.commands,
    logger,
  };
  const closing = new AbortController();
  const metricsHandler: Handler = async (req) => {
    if (req.method !== 'GET') throw new ApiError(405, 'only GET supported against this resource');
    const out = await metrics.render();
    return text(200, out.contentType, out.text);
  };
  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    void handle(req, res, ctx, metricsHandler, closing.signal, metrics);
  };

  const servers: Server[] = [];
  const addresses: string[] = [];
  const open = async (bind: (s: Server) => Promise<string>) => {
    const server = createServer(onRequest);
    servers.push(server);
    addresses.push(await bind(server));
  };
  try {
    const { listen } = options;
    if (listen.activation === true) {
      const env = listen.env ?? process.env;
      const fds = activationFds(env, process.pid);
      clearActivationEnv(env);
      for (const fd of fds) await open((s) => listenFd(s, fd));
    }
    if (listen.socket !== undefined) await open((s) => listenUnix(s, listen.socket!, listen.socketMode));
    if (listen.tcp !== undefined) {
      const address = typeof listen.tcp === 'string' ? parseHostPort(listen.tcp) : listen.tcp;
      await open((s) => listenTcp(s, address));
    }
    if (servers.length === 0) throw new Error('the API has no listener: configure a socket or TCP address, or start fleetd socket-activated');
  } catch (err) {
    await closeServers(servers, 0);
    throw err;
  }
  logger.info({ addresses }, 'API listening');

  let closed: Promise<void> | undefined;
  return {
    addresses,
    close() {
      closed ??= (async () => {
        closing.abort();
        await closeServers(servers, options.shutdownGraceMs ?? 5000);
        logger.info({ addresses }, 'API closed');
      })();
      return closed;
    },
  };
}

async function handle(req: IncomingMessage, res: ServerResponse, ctx: ApiContext, metricsHandler: Handler, closing: AbortSignal, metrics: FleetMetrics): Promise<void> {
  res.setHeader('Server', `fleetd/${VERSION}`);
  const rawUrl = req.url ?? '/';
  const q = rawUrl.indexOf('?');
  const pathname = q === -1 ? rawUrl : rawUrl.slice(0, q);
  const r = route(pathname, metricsHandler);
  const gone = new AbortController();
  res.once('close', () => gone.abort());
  const apiReq: ApiRequest = {
    method: req.method ?? 'GET',
    segments: r.segments,
    query: new URLSearchParams(q === -1 ? '' : rawUrl.slice(q + 1)),
    raw: req,
    signal: AbortSignal.any([gone.signal, closing]),
  };
  try {
    await send(res, await r.handler(apiReq, ctx));
  } catch (err) {
    const { error, internal } = toApiError(err);
    if (internal) ctx.logger.error({ err, method: apiReq.method, path: pathname }, 'API request failed');
    else ctx.logger.debug({ method: apiReq.method, path: pathname, status: error.status, message: error.message }, 'API request rejected');
    if (res.headersSent) res.destroy();
    else await send(res, { kind: 'json', status: error.status, body: { error: { code: error.status, message: error.message } } }, error.headers);
  }
  metrics.api.request(apiReq.method, r.resource, res.statusCode);
}

async function send(res: ServerResponse, reply: Reply, headers: Readonly<Record<string, string>> = {}): Promise<void> {
  for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
  switch (reply.kind) {
    case 'json': {
      const body = `${JSON.stringify(reply.body)}\n`;
      res.writeHead(reply.status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
      res.end(body);
      return;
    }
    case 'empty':
      res.writeHead(reply.status, reply.jsonType === true ? { 'Content-Type': 'application/json' } : {});
      res.end();
      return;
    case 'text':
      res.writeHead(reply.status, { 'Content-Type': reply.contentType, 'Content-Length': Buffer.byteLength(reply.body) });
      res.end(reply.body);
      return;
    case 'stream':
      await reply.write(res);
      return;
  }
}

/** Closes `servers`, cutting connections still open after `graceMs`. Never rejects. */
async function closeServers(servers: readonly Server[], graceMs: number): Promise<void> {
  await Promise.all(
    servers.map(
      (server) =>
        new Promise<void>((resolve) => {
          if (!server.listening) {
            resolve();
            return;
          }
          // Connections that finish their request in the grace period are closed as they go idle.
          const idle = setInterval(() => server.closeIdleConnections(), 50);
          const cut = setTimeout(() => server.closeAllConnections(), graceMs);
          server.close(() => {
            clearInterval(idle);
            clearTimeout(cut);
            resolve();
          });
          server.closeIdleConnections();
        }),
    ),
  );
}

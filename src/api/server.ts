/**
 * The fleet API v1 server: on every configured listener, each request is
 * matched against the route table (`routes.ts`) and run through that
 * listener's middleware chain (`chain.ts`: observe → translate errors →
 * authenticate → authorise → rate-limit → handler); this shell only parses
 * the URL, builds the request context and writes the reply.
 */
import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import { createFleetMetrics, type FleetMetrics } from '../metrics/index.js';
import type { ApiRegistry } from '../registry/index.js';
import { ApiAvailability, health } from './availability.js';
import { buildChain, errorReply, type ChainStageFactory } from './chain.js';
import type { ApiContext, ApiLogger } from './context.js';
import { answerClientError } from './client-error.js';
import { activationFds, clearActivationEnv, listenFd, listenTcp, listenUnix } from './listeners.js';
import { parseHostPort, type HostPort } from '../domain/index.js';
import type { LocalCommands } from './local-commands.js';
import type { ApiListener, RequestContext } from './middleware.js';
import { text, type Reply } from './reply.js';
import { DEFAULT_MAX_BODY_BYTES, type ApiRequest } from './request.js';
import { matchRoute, type Handler, type RouteSpec } from './router.js';
import { apiRoutes, type StaticMount } from './routes.js';
import { ScheduleView } from './schedule-view.js';
import { UnitsView, type UnitsSource } from './units-view.js';
import { MachinesView, type MachinesSource } from './machines-view.js';
import { sendFile } from './static-files.js';
import type { TokenApi } from './tokens.js';
import { eventStreamSettings } from './events.js';
import { ChangeHub } from '../events/index.js';
import { httpDate, systemClock, type Clock } from '../clock.js';

/** Where to listen; at least one listener must result. */
export interface ApiListenOptions {
  /** Unix socket path (fleet's `/var/run/fleet.sock`); undefined = none. */
  readonly socket?: string;
  /** Mode of the socket file; default 0o660. */
  readonly socketMode?: number;
  /** TCP address (`host:port`, a bare port, or an object); undefined = none. */
  readonly tcp?: string | HostPort;
  /** Also serve on the sockets systemd passed (`LISTEN_PID`/`LISTEN_FDS`); the variables are then removed from `env`. */
  readonly activation?: boolean;
  /** Environment holding the activation variables; default `process.env`. */
  readonly env?: NodeJS.ProcessEnv;
  /** Serve the TCP listener over TLS (PEM texts); `ca` makes clients present a certificate it signed (mutual TLS). */
  readonly tls?: { readonly cert: string; readonly key: string; readonly ca?: string };
  /** Slow and flooding clients, per listener: header and whole-request timeouts (ms), open connections. Default Node's. */
  readonly limits?: { readonly headersTimeoutMs?: number; readonly requestTimeoutMs?: number; readonly maxConnections?: number };
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
  /** Security stages per listener (token authentication, rate limits); default: the tokenless principal, no limit. */
  readonly chain?: ChainStageFactory;
  /** Token management for the tokens resource and bootstrap; undefined = they answer 404. */
  readonly tokens?: TokenApi;
  /** Directories served read-only at root paths (`{ path: '/dashboard', dir }`). */
  readonly staticMounts?: readonly StaticMount[];
  /** Whether this fleetd may answer for the cluster (see availability.ts); default always. */
  readonly availability?: ApiAvailability;
  /** The schedule view requests read; default one over `registry` (closed with the server either way). */
  readonly schedule?: ScheduleView;
  /** The units view list requests read; default one over `registry` (closed with the server either way). */
  readonly units?: UnitsView;
  /** `GET /events`: heartbeat interval while idle (ms, default 15 s), streams open at once (default unlimited; fleetd: `api_max_streams`), clock. */
  readonly events?: { readonly heartbeatMs?: number; readonly maxStreams?: number; readonly clock?: Clock };
  /** Time for request deadlines (a unit batch's, see `batch-deadline.ts`); default the system clock. */
  readonly clock?: Clock;
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
 *   when no listener was configured or passed by systemd, or (RangeError)
 *   for a bad static mount.
 */
export async function startApiServer(options: StartApiServerOptions): Promise<ApiServer> {
  const logger = options.logger ?? SILENT;
  const metrics = options.metrics ?? createFleetMetrics();
  const schedule = options.schedule ?? new ScheduleView(options.registry);
  // One watch of the registry's changes for every event stream and the units view.
  const hub = new ChangeHub(options.registry, options.events?.clock !== undefined ? { clock: options.events.clock } : {});
  const units = options.units ?? new UnitsView(sharingWatch(options.registry, hub));
  const machines = new MachinesView(sharingWatch(options.registry, hub));
  const ctx: ApiContext = {
    registry: options.registry,
    schedule,
    units,
    machines,
    machineId: options.machineId,
    tokenLimit: options.tokenLimit ?? 100,
    maxBodyBytes: options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
    commands: options.commands,
    logger,
    events: eventStreamSettings({ ...options.events, hub }),
    clock: options.clock ?? systemClock,
    ...(options.tokens !== undefined ? { tokens: options.tokens } : {}),
  };
  const closing = new AbortController();
  const metricsHandler: Handler = async () => {
    const out = await metrics.render();
    return text(200, out.contentType, out.text);
  };
  const availability = options.availability ?? new ApiAvailability();
  const routes = apiRoutes({
    metrics: metricsHandler,
    health: () => health(availability, ctx.machineId),
    ...(options.staticMounts !== undefined ? { staticMounts: options.staticMounts } : {}),
  });

  const servers: Server[] = [];
  const addresses: string[] = [];
  /** Each listener gets its own server and chain; the chain is built once the bound address says what kind of socket it is. */
  const open = async (bind: (s: Server) => Promise<string>, tls?: ApiListenOptions['tls']) => {
    let chain: ((rc: RequestContext) => Promise<Reply>) | undefined;
    let listener: ApiListener | undefined;
    const onRequest: RequestListener = (req, res) => {
      if (chain === undefined || listener === undefined) {
        res.destroy();
        return;
      }
      // The Date header Node would add, written from the UTC fields: Node's own uses
      // Date#toUTCString, which keeps ~0.9 MiB of ICU time zone data resident (isoTime).
      res.sendDate = false;
      res.setHeader('Date', httpDate(Date.now()));
      void handle(req, res, { ctx, routes, chain, listener, closing: closing.signal });
    };
    const server: Server =
      tls === undefined
        ? createServer(onRequest)
        : createTlsServer({ cert: tls.cert, key: tls.key, ...(tls.ca !== undefined ? { ca: tls.ca, requestCert: true, rejectUnauthorized: true } : {}) }, onRequest);
    server.on('clientError', answerClientError);
    const limits = options.listen.limits;
    if (limits?.headersTimeoutMs !== undefined) server.headersTimeout = limits.headersTimeoutMs;
    if (limits?.requestTimeoutMs !== undefined) server.requestTimeout = limits.requestTimeoutMs;
    if (limits?.maxConnections !== undefined) server.maxConnections = limits.maxConnections;
    servers.push(server);
    const address = await bind(server);
    listener = { kind: typeof server.address() === 'string' ? 'unix' : 'tcp', address };
    chain = buildChain({ metrics, logger, stages: options.chain?.(listener) ?? {}, availability });
    addresses.push(address);
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
      await open((s) => listenTcp(s, address), listen.tls);
    }
    if (servers.length === 0) throw new Error('the API has no listener: configure a socket or TCP address, or start fleetd socket-activated');
  } catch (err) {
    await closeServers(servers, 0);
    await Promise.all([schedule.close(), units.close(), machines.close(), hub.close()]);
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
        await Promise.all([schedule.close(), units.close(), machines.close(), hub.close()]);
        logger.info({ addresses }, 'API closed');
      })();
      return closed;
    },
  };
}

/** What {@link handle} needs for every request of one listener. */
interface ListenerRuntime {
  readonly ctx: ApiContext;
  readonly routes: readonly RouteSpec[];
  readonly chain: (rc: RequestContext) => Promise<Reply>;
  readonly listener: ApiListener;
  readonly closing: AbortSignal;
}

/** Routes one request, runs the listener's chain and writes the reply. Never rejects. */
async function handle(req: IncomingMessage, res: ServerResponse, rt: ListenerRuntime): Promise<void> {
  const rawUrl = req.url ?? '/';
  const q = rawUrl.indexOf('?');
  const route = matchRoute(q === -1 ? rawUrl : rawUrl.slice(0, q), rt.routes);
  const gone = new AbortController();
  res.once('close', () => gone.abort());
  const request: ApiRequest = {
    method: req.method ?? 'GET',
    segments: route.segments,
    query: new URLSearchParams(q === -1 ? '' : rawUrl.slice(q + 1)),
    raw: req,
    signal: AbortSignal.any([gone.signal, rt.closing]),
  };
  const rc: RequestContext = { request, response: res, route, listener: rt.listener, api: rt.ctx, principal: undefined };
  // The chain answers errors itself; a stage that breaks that promise still gets fleet's 500, never an unhandled rejection.
  const reply = await rt.chain(rc).catch((err: unknown) => errorReply(err, rc, rt.ctx.logger));
  try {
    await send(res, reply);
  } catch (err) {
    // Failed while writing (a stream, a file): answer if nothing was sent yet, else cut the connection.
    if (res.headersSent) {
      rt.ctx.logger.debug({ err, method: request.method, path: rawUrl }, 'API response cut');
      res.destroy();
    } else {
      await send(res, errorReply(err, rc, rt.ctx.logger)).catch(() => res.destroy());
    }
  }
}

async function send(res: ServerResponse, reply: Reply): Promise<void> {
  switch (reply.kind) {
    case 'json': {
      const body = `${JSON.stringify(reply.body)}\n`;
      for (const [k, v] of Object.entries(reply.headers ?? {})) res.setHeader(k, v);
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
    case 'file':
      await sendFile(res, reply);
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

/** `registry` with its changes watched through `hub` (what the units and machines views read). */
function sharingWatch(registry: ApiRegistry, hub: ChangeHub): UnitsSource & MachinesSource {
  return {
    unitsSnapshot: () => registry.unitsSnapshot(),
    machinesSnapshot: () => registry.machinesSnapshot(),
    listMachines: () => registry.listMachines(),
    headRevision: () => registry.headRevision(),
    listUnits: () => registry.listUnits(),
    listStates: (filter) => registry.listStates(filter),
    watchChanges: (from, listener) => hub.watchChanges(from, listener),
  };
}

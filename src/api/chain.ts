/**
 * The API's request chain, built once per listener:
 *
 *   observe → translate errors → availability → authenticate → authorise → rate-limit → route handler
 *
 * `observe` sets `Server:` and counts the request when its response is over;
 * `translate errors` turns anything thrown further in into fleet's JSON
 * error (once, through `errors.ts`); `availability` answers 503 while this
 * fleetd may not serve the cluster (`availability.ts`); the three security stages default to
 * today's behaviour (the listener's tokenless principal, every role
 * allowed to it, no limit) and are replaced per listener by
 * {@link ChainStages} (token authentication, limits).
 */
import { ANONYMOUS_PRINCIPAL, LOCAL_PRINCIPAL, roleAllows, type Principal } from '../auth/index.js';
import type { FleetMetrics } from '../metrics/index.js';
import { VERSION } from '../version.js';
import type { ApiLogger } from './context.js';
import { ApiAvailability, refuseWhileUnavailable } from './availability.js';
import { ApiError, toApiError } from './errors.js';
import { compose, type ApiListener, type Middleware, type RequestContext } from './middleware.js';
import type { Reply } from './reply.js';

/** The security stages of one listener's chain. */
export interface ChainStages {
  /** Sets `rc.principal`, or refuses (throw `ApiError` 401 / 503). Default: {@link tokenlessPrincipal} of the listener. */
  readonly authenticate: Middleware;
  /** Refuses (throw `ApiError` 403) when the principal's role is below the route method's. Default: {@link authoriseByRoute}. */
  readonly authorise: Middleware;
  /** Refuses (throw `ApiError` 429) over the limit. Default: no limit. */
  readonly rateLimit: Middleware;
}

/** Per-listener stage overrides (what `startApiServer({ chain })` returns for each listener). */
export type ChainStageFactory = (listener: ApiListener) => Partial<ChainStages>;

/** The principal of a request on a listener that asks for no token: `local` on a unix socket, `anonymous` on TCP. */
export function tokenlessPrincipal(listener: ApiListener): Principal {
  return listener.kind === 'unix' ? LOCAL_PRINCIPAL : ANONYMOUS_PRINCIPAL;
}

/** The default authenticate stage: the listener's tokenless principal. */
export const authenticateTokenless: Middleware = async (rc, next) => {
  rc.principal = tokenlessPrincipal(rc.listener);
  return next();
};

/**
 * The default authorise stage: the route method's role against the principal's.
 * @throws {ApiError} 403 naming both roles; 500 when no stage authenticated (a wiring bug).
 */
export const authoriseByRoute: Middleware = async (rc, next) => {
  const needed = rc.route.method(rc.request.method).role;
  if (rc.principal === undefined) throw new Error('API chain: authorise ran before authenticate');
  if (!roleAllows(rc.principal.role, needed)) {
    throw new ApiError(403, `permission denied: this request needs role ${needed}; this identity has role ${rc.principal.role}`);
  }
  return next();
};

/** The default rate-limit stage: none. */
export const unlimited: Middleware = (_rc, next) => next();

/** Sets `Server: fleetd/<version>` and counts the request (method, route resource, status) once its response is over. */
export function observe(metrics: FleetMetrics): Middleware {
  return (rc, next) => {
    rc.response.setHeader('Server', `fleetd/${VERSION}`);
    rc.response.once('close', () => metrics.api.request(rc.request.method, rc.route.resource, rc.response.statusCode));
    return next();
  };
}

/** Answers anything thrown further in with fleet's error body (see {@link errorReply}). */
export function translateErrors(logger: ApiLogger): Middleware {
  return async (rc, next) => {
    try {
      return await next();
    } catch (err) {
      return errorReply(err, rc, logger);
    }
  };
}

/**
 * fleet's error reply for `err` (`{"error":{"code":N,"message":"..."}}`,
 * with the error's headers), logged: internal errors at error level with
 * the cause, other 5xx at warn, refusals at debug. Never throws.
 */
export function errorReply(err: unknown, rc: RequestContext, logger: ApiLogger): Reply {
  const { error, internal } = toApiError(err);
  const where = { method: rc.request.method, path: rc.request.raw.url?.split('?')[0], principal: rc.principal?.kind };
  if (internal) logger.error({ err, ...where }, 'API request failed');
  else if (error.status >= 500) logger.warn({ err, ...where, status: error.status }, `API request failed: ${error.message}`);
  else logger.debug({ ...where, status: error.status, message: error.message }, 'API request rejected');
  return { kind: 'json', status: error.status, body: { error: { code: error.status, message: error.message } }, headers: error.headers };
}

/** What {@link buildChain} needs besides the listener. */
export interface ChainOptions {
  readonly metrics: FleetMetrics;
  readonly logger: ApiLogger;
  /** Stage overrides for this listener; missing ones are the defaults. */
  readonly stages?: Partial<ChainStages>;
  /** Whether this fleetd may serve the cluster; default always. */
  readonly availability?: ApiAvailability;
}

/**
 * The whole chain of one listener, ending in the route's handler for the request's method.
 * @returns a function answering one request context with a reply; it never
 *   rejects (errors become error replies).
 */
export function buildChain(options: ChainOptions): (rc: RequestContext) => Promise<Reply> {
  const stages = options.stages ?? {};
  return compose(
    [
      observe(options.metrics),
      translateErrors(options.logger),
      refuseWhileUnavailable(options.availability ?? new ApiAvailability()),
      stages.authenticate ?? authenticateTokenless,
      stages.authorise ?? authoriseByRoute,
      stages.rateLimit ?? unlimited,
    ],
    (rc) => rc.route.method(rc.request.method).handler({ ...rc.request, principal: rc.principal }, rc.api, rc.route.params, rc.route.rest),
  );
}

/**
 * The API's security stages for the middleware chain (`chain.ts`), per
 * listener: authenticate (tokens per `api_auth`), authorise by the route's
 * role (403 naming it), rate-limit per identity (429 with `Retry-After`),
 * and the audit of every mutating request (logged once at info and counted
 * by role and outcome when its response is over). Decisions are the pure
 * functions of `src/auth`; this file only applies them to requests.
 */
import { authenticate, authorise, identityKey, principalClass, principalLabel, rateLimited, tooManyInFlight, type InflightLimiter, type Principal, type RateLimiter, type RateLimits, type TokenRecord } from '../auth/index.js';
import type { ApiAuthMode } from '../fleetd/config-options.js';
import type { ApiMetrics } from '../metrics/api.js';
import { tokenlessPrincipal, type ChainStageFactory } from './chain.js';
import type { ApiLogger } from './context.js';
import { ApiError } from './errors.js';
import type { ApiListener, Middleware, RequestContext } from './middleware.js';

/** What the stages check against. */
export interface ApiSecurityOptions {
  /** `tcp`: tokens on TCP listeners; `all`: on every listener; `off`: none. */
  readonly auth: ApiAuthMode;
  /** The token list every fleetd follows (`TokenCache`). */
  readonly tokens: { readonly loaded: boolean; lookup(id: string): TokenRecord | undefined };
  /** Per-identity buckets; undefined = no limit. */
  readonly limiter?: { readonly limits: RateLimits; readonly buckets: RateLimiter };
  /** Per-identity cap on requests in flight, on listeners that ask for tokens; undefined = no cap. */
  readonly inflight?: InflightLimiter<() => void>;
  /** Wall-clock ms (token expiry). */
  readonly now: () => number;
  readonly logger: ApiLogger;
  readonly metrics: ApiMetrics;
}

/** Methods that change something: audited. */
const MUTATING = new Set(['PUT', 'POST', 'PATCH', 'DELETE']);

/** The route whose only job is creating the first token: a unix socket may call it without one. */
export const BOOTSTRAP_RESOURCE = 'authBootstrap';

/** Whether a listener asks for a token under `mode`. */
export function listenerRequiresToken(mode: ApiAuthMode, listener: ApiListener): boolean {
  return mode === 'all' || (mode === 'tcp' && listener.kind === 'tcp');
}

/** The chain stages of every listener under `options`. */
export function securityStages(options: ApiSecurityOptions): ChainStageFactory {
  return (listener) => ({
    authenticate: auditing(options, authenticateStage(options, listener)),
    authorise: authoriseStage,
    // Rate limits and the in-flight cap are per token identity. A listener
    // that asks for no token (the unix socket by default: its file mode is
    // the gate, as for auth) is limited by neither, so a bulk `fleetctl
    // start` of 1,000 local units runs at fleetctl's own concurrency (16);
    // capped at 8 it was measurably slower (README). That is safe: the host's
    // agent and engine use their own etcd connection, so a local burst only
    // queues the API's requests behind it (LimitedKv), as any burst did
    // before the cap; the cap keeps one token from holding every etcd slot.
    rateLimit: listenerRequiresToken(options.auth, listener) ? limitStages(rateLimitStage(options), options.inflight === undefined ? passThrough : inflightStage(options.inflight)) : passThrough,
  });
}

/** `first`, then `second`, as one stage. */
function limitStages(first: Middleware, second: Middleware): Middleware {
  return (rc, next) => first(rc, () => second(rc, next));
}

/**
 * Runs the rest of the chain in one of the principal's in-flight slots,
 * waiting in its queue when all are taken (429 when the queue is full too).
 * The slot is held until the handler has its reply: a stream (events,
 * `journal -f`, status) holds one only while it is set up, not while it
 * follows (those are capped by `api_max_streams`). A client that goes away
 * while waiting leaves the queue.
 */
function inflightStage(limiter: InflightLimiter<() => void>): Middleware {
  return async (rc, next) => {
    if (rc.principal === undefined) return next();
    const key = identityKey(rc.principal);
    let wake: () => void = () => {};
    const handedOver = new Promise<void>((resolve) => (wake = resolve));
    const decision = limiter.acquire(key, wake, principalClass(rc.principal));
    if (decision === 'full') {
      const refusal = tooManyInFlight(limiter.limits);
      throw new ApiError(refusal.status, refusal.message, refusal.headers);
    }
    if (decision === 'queued') {
      const gone = new Promise<'gone'>((resolve) => rc.response.once('close', () => resolve('gone')));
      if ((await Promise.race([handedOver, gone])) === 'gone' && limiter.cancel(key, wake)) throw new ApiError(499, 'client closed the request while it waited for a slot');
    }
    try {
      return await next();
    } finally {
      limiter.release(key)?.();
    }
  };
}

function authenticateStage(o: ApiSecurityOptions, listener: ApiListener): Middleware {
  const requireToken = listenerRequiresToken(o.auth, listener);
  return async (rc, next) => {
    const bootstrapping = rc.route.resource === BOOTSTRAP_RESOURCE && listener.kind === 'unix';
    if (!requireToken || bootstrapping || rc.route.method(rc.request.method).public === true) {
      rc.principal = tokenlessPrincipal(listener);
      return next();
    }
    const a = authenticate({ requireToken, authorization: rc.request.raw.headers.authorization, tokensLoaded: o.tokens.loaded, lookup: (id) => o.tokens.lookup(id), now: o.now() });
    if (!a.ok) throw new ApiError(a.refusal.status, a.refusal.message, a.refusal.headers);
    rc.principal = a.principal;
    return next();
  };
}

const authoriseStage: Middleware = async (rc, next) => {
  if (rc.principal === undefined) throw new Error('API chain: authorise ran before authenticate');
  const refusal = authorise(rc.principal, rc.route.method(rc.request.method).role);
  if (refusal !== undefined) throw new ApiError(refusal.status, refusal.message, refusal.headers);
  return next();
};

const passThrough: Middleware = (_rc, next) => next();

function rateLimitStage(o: ApiSecurityOptions): Middleware {
  return async (rc, next) => {
    if (o.limiter === undefined || rc.principal === undefined) return next();
    const d = o.limiter.buckets.take(identityKey(rc.principal));
    if (!d.allowed) {
      const refusal = rateLimited(d.retryAfterMs, o.limiter.limits);
      throw new ApiError(refusal.status, refusal.message, refusal.headers);
    }
    return next();
  };
}

/** `ok` (2xx/3xx), `denied` (401/403), `limited` (429), `rejected` (other 4xx), `failed` (5xx). */
export function auditOutcome(status: number): 'ok' | 'denied' | 'limited' | 'rejected' | 'failed' {
  if (status < 400) return 'ok';
  if (status === 401 || status === 403) return 'denied';
  if (status === 429) return 'limited';
  return status < 500 ? 'rejected' : 'failed';
}

/** Wraps `stage` so a mutating request is audited once its response is over, whatever stage answered it. */
function auditing(o: ApiSecurityOptions, stage: Middleware): Middleware {
  return (rc, next) => {
    if (MUTATING.has(rc.request.method)) rc.response.once('close', () => audit(o, rc));
    return stage(rc, next);
  };
}

function audit(o: ApiSecurityOptions, rc: RequestContext): void {
  const p: Principal | undefined = rc.principal;
  const status = rc.response.headersSent ? rc.response.statusCode : 0;
  const role = p?.role ?? 'none';
  const units = rc.route.params['name'] !== undefined ? [rc.route.params['name']] : [];
  o.logger.info(
    { audit: true, principal: p === undefined ? 'unauthenticated' : principalLabel(p), role, method: rc.request.method, path: rc.request.raw.url?.split('?')[0], units, status },
    'API audit',
  );
  o.metrics.audit(role, auditOutcome(status));
}

/**
 * The API's security decisions for one request, as pure functions the
 * middleware chain calls in order: authenticate (who is it?), authorise
 * (may that role use this route?). Each "no" carries the HTTP status, the
 * message for fleet's JSON error body and the headers the answer needs.
 */
import { LOCAL_PRINCIPAL, type Principal } from './principal.js';
import { roleAllows, type Role } from './roles.js';
import { bearerFromHeader, checkBearer, type TokenRecord } from './token.js';

/** A refusal: status, message and response headers. */
export interface Refusal {
  readonly status: 401 | 403 | 429 | 503;
  readonly message: string;
  readonly headers: Readonly<Record<string, string>>;
}

/** Outcome of {@link authenticate}. */
export type Authentication = { readonly ok: true; readonly principal: Principal } | { readonly ok: false; readonly refusal: Refusal };

/** What {@link authenticate} needs to know about the listener and the tokens. */
export interface AuthenticateInput {
  /** Whether this listener asks for a token (`api_auth`: TCP for `tcp`, every listener for `all`, none for `off`). */
  readonly requireToken: boolean;
  /** The request's `Authorization` header. */
  readonly authorization: string | undefined;
  /** Whether the token list has been read (before that, no token can be checked: 503). */
  readonly tokensLoaded: boolean;
  readonly lookup: (id: string) => TokenRecord | undefined;
  /** ms since the epoch. */
  readonly now: number;
}

const challenge = (error?: string): Record<string, string> => ({
  'WWW-Authenticate': error === undefined ? 'Bearer realm="fleet"' : `Bearer realm="fleet", error="${error}"`,
});

/**
 * Decides who sent a request. A listener that asks for no token gives the
 * `local` principal (even when a token is sent: the socket's file mode is
 * the gate). A token-checked listener answers 401 with
 * `WWW-Authenticate: Bearer` for a missing, malformed, unknown, wrong or
 * expired token, and 503 while the token list has not been read.
 * Never throws.
 */
export function authenticate(input: AuthenticateInput): Authentication {
  if (!input.requireToken) return { ok: true, principal: LOCAL_PRINCIPAL };
  const bearer = bearerFromHeader(input.authorization);
  if (bearer === undefined) {
    return { ok: false, refusal: { status: 401, message: 'authentication required: send Authorization: Bearer <token> (fleetctl --token or FLEETCTL_TOKEN)', headers: challenge() } };
  }
  if (bearer === null) return { ok: false, refusal: { status: 401, message: 'the Authorization header must be "Bearer <token>"', headers: challenge('invalid_request') } };
  if (!input.tokensLoaded) return { ok: false, refusal: { status: 503, message: 'fleet server unable to check tokens: the token list has not been read from etcd yet', headers: {} } };
  const check = checkBearer(bearer, input.lookup, input.now);
  if (!check.ok) {
    const message = check.reason === 'expired' ? 'token expired' : 'invalid token (unknown, revoked or malformed)';
    return { ok: false, refusal: { status: 401, message, headers: challenge('invalid_token') } };
  }
  const { id, name, role } = check.record;
  return { ok: true, principal: { kind: 'token', id, name, role } };
}

/**
 * Decides whether `principal` may use a route that needs `needed`.
 * @returns undefined when allowed; else a 403 naming the role needed and the role held.
 */
export function authorise(principal: Principal, needed: Role): Refusal | undefined {
  if (roleAllows(principal.role, needed)) return undefined;
  const who = principal.kind === 'token' ? `token ${principal.name} (${principal.id}) has role ${principal.role}` : `this identity has role ${principal.role}`;
  return { status: 403, message: `permission denied: this request needs role ${needed}; ${who}`, headers: {} };
}

/** The 429 for a request over its identity's rate, with `Retry-After` in whole seconds (at least 1). */
export function rateLimited(retryAfterMs: number, limits: { qps: number; burst: number }): Refusal {
  return {
    status: 429,
    message: `too many requests: this identity may send ${limits.qps} requests per second (burst ${limits.burst}); retry after ${Math.max(1, Math.ceil(retryAfterMs / 1000))} s`,
    headers: { 'Retry-After': String(Math.max(1, Math.ceil(retryAfterMs / 1000))) },
  };
}

/** The 429 for a request arriving while its identity already has `maxInflight` running and `maxQueued` waiting. */
export function tooManyInFlight(limits: { maxInflight: number; maxQueued: number }): Refusal {
  return {
    status: 429,
    message: `too many requests in flight: this identity may run ${limits.maxInflight} requests at once with ${limits.maxQueued} more waiting; retry after 1 s`,
    headers: { 'Retry-After': '1' },
  };
}

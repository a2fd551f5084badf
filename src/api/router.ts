/**
 * Matches a path against the route table (`routes.ts`), under both of
 * fleet's prefixes (`/fleet/v1` and `/v1-alpha`) for API routes and at the
 * root for the others, with fleet's fallbacks: `/` and a bare prefix ⇒
 * 405, anything else unknown (trailing slashes, extra segments, bad
 * percent-encoding) ⇒ 404, both with an empty message.
 */
import type { Role } from '../auth/index.js';
import type { ApiContext } from './context.js';
import { ApiError } from './errors.js';
import type { Reply } from './reply.js';
import type { ApiRequest } from './request.js';
import { apiRoutes } from './routes.js';

/** The API prefixes; every `api` route is served under each. */
export const API_PREFIXES: readonly string[] = ['/fleet/v1', '/v1-alpha'];

/** A handler for one request. */
export type Handler = (req: ApiRequest, ctx: ApiContext) => Promise<Reply>;

/** What a route's path captured: `:name` segments by name, and the segments a final `*` matched. */
export interface RouteParams {
  readonly [name: string]: string;
}

/** A handler for one method of a route. */
export type RouteHandler = (req: ApiRequest, ctx: ApiContext, params: RouteParams, rest: readonly string[]) => Promise<Reply>;

/** One method of a route: the role it needs and what answers it. */
export interface MethodRoute {
  /** `read` for what only looks, `operate` for unit changes, `admin` for machine metadata and the like. */
  readonly role: Role;
  readonly handler: RouteHandler;
  /**
   * Served without a token on every listener (the dashboard's assets, which
   * hold no cluster data: the page asks for the token and sends it with
   * each API request). Absent: the listener's authentication applies.
   */
  readonly public?: boolean;
}

/** One row of the route table. */
export interface RouteSpec {
  /** The metrics label (`fleet_api_request_count_total{resource}`). */
  readonly resource: string;
  /** `api`: under each of {@link API_PREFIXES}; `root`: at the server root (`/metrics`). */
  readonly scope: 'api' | 'root';
  /** Segments: a literal, `:param` (one non-empty segment), or a final `*` (any rest, possibly empty). */
  readonly path: readonly string[];
  readonly methods: Readonly<Record<string, MethodRoute>>;
  /** What any other method gets (fleet's status and message differ per resource). */
  readonly otherMethod: { readonly status: number; readonly message: string };
}

/** A matched request: the route's label, the decoded segments, what the path captured, and per method what to run. */
export interface RouteMatch {
  readonly resource: string;
  /** Path segments after the prefix, percent-decoded (after the root for `root` routes; empty for fallbacks). */
  readonly segments: readonly string[];
  readonly params: RouteParams;
  /** The segments a final `*` matched; empty otherwise. */
  readonly rest: readonly string[];
  /** The method's role and handler; for an unknown method (or path), a `read` handler that throws the fallback error. */
  method(name: string): MethodRoute;
}

/** A routed request, handler bound to the method (the pre-table shape, kept for callers that route without the chain). */
export interface Route {
  readonly resource: string;
  /** Path segments after the prefix, percent-decoded (empty for `/metrics`). */
  readonly segments: readonly string[];
  readonly handler: Handler;
}

const failing = (status: number, message: string): MethodRoute => ({
  role: 'read',
  handler: async () => {
    throw new ApiError(status, message);
  },
});

const fallback = (resource: string, status: number): RouteMatch => {
  const m = failing(status, '');
  return { resource, segments: [], params: {}, rest: [], method: () => m };
};

/**
 * Matches `pathname` (no query) against `table` (the first row that fits wins).
 * @returns the match; unknown paths get a fallback answering 404 (405 for `/` and bare prefixes). Never throws.
 */
export function matchRoute(pathname: string, table: readonly RouteSpec[]): RouteMatch {
  if (pathname === '/') return fallback('root', 405);
  for (const prefix of API_PREFIXES) {
    if (pathname === prefix) return fallback('root', 405);
    if (pathname.startsWith(`${prefix}/`)) return matchIn(table, 'api', pathname.slice(prefix.length + 1)) ?? fallback('unknown', 404);
  }
  return matchIn(table, 'root', pathname.slice(1)) ?? fallback('unknown', 404);
}

/**
 * Routes `pathname` with `/metrics` answered by `metrics`, binding the
 * handler to the request's method.
 * @returns the route (fallbacks as {@link matchRoute}). Never throws.
 */
export function route(pathname: string, metrics: Handler): Route {
  const m = matchRoute(pathname, apiRoutes({ metrics }));
  return { resource: m.resource, segments: m.resource === 'metrics' ? [] : m.segments, handler: (req, ctx) => bound(m, req, ctx) };
}

/** Runs the handler of `req.method` on a match. Throws what the handler throws. */
export function bound(m: RouteMatch, req: ApiRequest, ctx: ApiContext): Promise<Reply> {
  return m.method(req.method).handler(req, ctx, m.params, m.rest);
}

function matchIn(table: readonly RouteSpec[], scope: RouteSpec['scope'], rest: string): RouteMatch | undefined {
  const segments = decodeSegments(rest);
  if (segments === undefined) return undefined;
  for (const spec of table) {
    if (spec.scope !== scope) continue;
    const captured = capture(spec.path, segments);
    if (captured === undefined) continue;
    const other = failing(spec.otherMethod.status, spec.otherMethod.message);
    return {
      resource: spec.resource,
      segments,
      params: captured.params,
      rest: captured.rest,
      method: (name) => (Object.hasOwn(spec.methods, name) ? spec.methods[name]! : other),
    };
  }
  return undefined;
}

function capture(path: readonly string[], segments: readonly string[]): { params: RouteParams; rest: readonly string[] } | undefined {
  const params: Record<string, string> = {};
  for (let i = 0; i < path.length; i++) {
    const p = path[i]!;
    if (p === '*' && i === path.length - 1) return { params, rest: segments.slice(i) };
    const s = segments[i];
    if (s === undefined) return undefined;
    if (p.startsWith(':')) {
      if (s === '') return undefined;
      params[p.slice(1)] = s;
    } else if (p !== s) {
      return undefined;
    }
  }
  return segments.length === path.length ? { params, rest: [] } : undefined;
}

function decodeSegments(rest: string): string[] | undefined {
  try {
    return rest.split('/').map((x) => decodeURIComponent(x));
  } catch {
    return undefined;
  }
}

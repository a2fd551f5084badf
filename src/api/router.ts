/**
 * Maps a path to its handler, under both of fleet's prefixes (`/fleet/v1`
 * and `/v1-alpha`), with fleet's fallbacks: `/` and a bare prefix ⇒ 405,
 * anything else unknown (trailing slashes, extra segments) ⇒ 404, both
 * with an empty message.
 */
import type { ApiContext } from './context.js';
import { discovery } from './discovery.js';
import { ApiError } from './errors.js';
import { explainUnit } from './explain.js';
import { machinesResource } from './machines.js';
import type { Reply } from './reply.js';
import type { ApiRequest } from './request.js';
import { getState, listStates } from './state.js';
import { unitJournal, unitStatus } from './unit-commands.js';
import { listUnits, unitResource } from './units.js';

/** The API prefixes; every resource is served under each. */
export const API_PREFIXES: readonly string[] = ['/fleet/v1', '/v1-alpha'];

/** A handler for one request. */
export type Handler = (req: ApiRequest, ctx: ApiContext) => Promise<Reply>;

/** A routed request: the resource name (a metrics label) and its handler. */
export interface Route {
  readonly resource: string;
  /** Path segments after the prefix, percent-decoded (empty for `/metrics`). */
  readonly segments: readonly string[];
  readonly handler: Handler;
}

const fail = (status: number): Handler => async () => {
  throw new ApiError(status, '');
};

/**
 * Routes `pathname` (no query). `/metrics` routes to `metrics`.
 * @returns the route; unknown paths get a handler answering 404 (405 for `/` and bare prefixes). Never throws.
 */
export function route(pathname: string, metrics: Handler): Route {
  if (pathname === '/metrics') return { resource: 'metrics', segments: [], handler: metrics };
  if (pathname === '/') return { resource: 'root', segments: [], handler: fail(405) };
  for (const prefix of API_PREFIXES) {
    if (pathname === prefix) return { resource: 'root', segments: [], handler: fail(405) };
    if (!pathname.startsWith(`${prefix}/`)) continue;
    const segments = decodeSegments(pathname.slice(prefix.length + 1));
    const found = segments === undefined ? undefined : resourceRoute(segments);
    return found ?? { resource: 'unknown', segments: [], handler: fail(404) };
  }
  return { resource: 'unknown', segments: [], handler: fail(404) };
}

function resourceRoute(s: readonly string[]): Route | undefined {
  const r = (resource: string, handler: Handler): Route => ({ resource, segments: s, handler });
  const [first, name, sub] = s;
  if (name === '') return undefined;
  switch (s.length) {
    case 1:
      if (first === 'units') return r('units', listUnits);
      if (first === 'machines') return r('machines', machinesResource);
      if (first === 'state') return r('state', listStates);
      if (first === 'discovery') return r('discovery', discovery);
      return undefined;
    case 2:
      if (first === 'units') return r('unit', (req, ctx) => unitResource(req, ctx, name!));
      if (first === 'state') return r('unitState', (req, ctx) => getState(req, ctx, name!));
      return undefined;
    case 3:
      if (first !== 'units') return undefined;
      if (sub === 'status') return r('unitStatus', (req, ctx) => unitStatus(req, ctx, name!));
      if (sub === 'journal') return r('unitJournal', (req, ctx) => unitJournal(req, ctx, name!));
      if (sub === 'explain') return r('unitExplain', (req, ctx) => explainUnit(req, ctx, name!));
      return undefined;
    default:
      return undefined;
  }
}

function decodeSegments(rest: string): string[] | undefined {
  try {
    return rest.split('/').map((x) => decodeURIComponent(x));
  } catch {
    return undefined;
  }
}

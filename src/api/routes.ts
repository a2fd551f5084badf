/**
 * The API's route table: every path, the methods it answers, the role each
 * method needs (`read` to look, `operate` to change units, `admin` for
 * machine metadata), and fleet's answer to any other method. `router.ts`
 * matches against it; the middleware chain authorises by the role.
 */
import { listApplySets } from './apply-sets.js';
import { discovery } from './discovery.js';
import { BOOTSTRAP_RESOURCE } from './security.js';
import { bootstrapAuth, createToken, listTokens, revokeToken } from './tokens.js';
import { explainUnit } from './explain.js';
import { streamEvents } from './events.js';
import { listMachines, patchMachines } from './machines.js';
import type { Handler, RouteHandler, RouteSpec } from './router.js';
import { safeRelativePath, staticFile } from './static-files.js';
import { getState, listStates } from './state.js';
import { getPolicy, putPolicy } from './policy.js';
import { controlRollout, createRollout, getRollout, listRollouts } from './rollouts.js';
import { ROLLOUT_CONTROLS } from '../rollout/index.js';
import { unitJournal, unitStatus } from './unit-commands.js';
import { whoAmI } from './whoami.js';
import { deleteUnit, getUnit, listUnits, putUnit } from './units.js';
import { postUnitBatch } from './unit-batch.js';

/** fleet's answer to a method other than GET on a read-only resource. */
const ONLY_GET = { status: 405, message: 'only GET supported against this resource' } as const;

/** A directory served read-only at a root path (e.g. a dashboard's assets). */
export interface StaticMount {
  /** The URL path it is served under: `/dashboard` serves `/dashboard/...`. One segment, no slash at the end. */
  readonly path: string;
  /** The directory; only regular files inside it are served. */
  readonly dir: string;
  /** Served without a token (see `MethodRoute.public`); default false: role `read`. */
  readonly public?: boolean;
  /**
   * Serving the mount's `index.html` starts the API's watch-fed views of
   * units, states and the schedule (without waiting for them), because the
   * page lists them next: a dashboard's first listing then overlaps the
   * download of its assets instead of following it. Default false.
   */
  readonly startsViews?: boolean;
}

/** What the table needs from the server: the `/metrics` handler, the `/health` one (no route without it) and any static mounts. */
export interface RouteTableOptions {
  readonly metrics: Handler;
  readonly health?: Handler;
  readonly staticMounts?: readonly StaticMount[];
}

/**
 * The route table, in match order.
 * @throws {RangeError} for a static mount path that is not `/<segment>` or that shadows an API route.
 */
export function apiRoutes(options: RouteTableOptions): RouteSpec[] {
  const table: RouteSpec[] = [
    // POST (a batch of unit PUTs/DELETEs) is ours; other methods keep fleet's answer.
    { resource: 'units', scope: 'api', path: ['units'], methods: { GET: { role: 'read', handler: listUnits }, POST: { role: 'operate', handler: postUnitBatch } }, otherMethod: ONLY_GET },
    {
      resource: 'unit',
      scope: 'api',
      path: ['units', ':name'],
      methods: {
        GET: { role: 'read', handler: (_req, ctx, p) => getUnit(ctx, p['name']!) },
        PUT: { role: 'operate', handler: (req, ctx, p) => putUnit(req, ctx, p['name']!) },
        DELETE: { role: 'operate', handler: (_req, ctx, p) => deleteUnit(ctx, p['name']!) },
      },
      otherMethod: { status: 405, message: 'only GET, PUT and DELETE supported against this resource' },
    },
    { resource: 'unitStatus', scope: 'api', path: ['units', ':name', 'status'], methods: { GET: { role: 'read', handler: (req, ctx, p) => unitStatus(req, ctx, p['name']!) } }, otherMethod: ONLY_GET },
    { resource: 'unitJournal', scope: 'api', path: ['units', ':name', 'journal'], methods: { GET: { role: 'read', handler: (req, ctx, p) => unitJournal(req, ctx, p['name']!) } }, otherMethod: ONLY_GET },
    { resource: 'unitExplain', scope: 'api', path: ['units', ':name', 'explain'], methods: { GET: { role: 'read', handler: (req, ctx, p) => explainUnit(req, ctx, p['name']!) } }, otherMethod: ONLY_GET },
    {
      resource: 'machines',
      scope: 'api',
      path: ['machines'],
      methods: { GET: { role: 'read', handler: listMachines }, PATCH: { role: 'admin', handler: patchMachines } },
      otherMethod: { status: 405, message: 'only GET and PATCH supported against this resource' },
    },
    {
      resource: 'policy',
      scope: 'api',
      path: ['policy'],
      methods: { GET: { role: 'read', handler: getPolicy }, PUT: { role: 'admin', handler: putPolicy } },
      otherMethod: { status: 405, message: 'only GET and PUT supported against this resource' },
    },
    { resource: 'applySets', scope: 'api', path: ['sets'], methods: { GET: { role: 'read', handler: listApplySets } }, otherMethod: ONLY_GET },
    {
      resource: 'rollouts',
      scope: 'api',
      path: ['rollouts'],
      methods: { GET: { role: 'read', handler: listRollouts }, POST: { role: 'operate', handler: createRollout } },
      otherMethod: { status: 405, message: 'only GET and POST supported against this resource' },
    },
    { resource: 'rollout', scope: 'api', path: ['rollouts', ':group'], methods: { GET: { role: 'read', handler: (_req, ctx, p) => getRollout(ctx, p['group']!) } }, otherMethod: ONLY_GET },
    ...ROLLOUT_CONTROLS.map(
      (control): RouteSpec => ({
        resource: `rollout${control[0]!.toUpperCase()}${control.slice(1)}`,
        scope: 'api',
        path: ['rollouts', ':group', control],
        methods: { POST: { role: 'operate', handler: (_req, ctx, p) => controlRollout(ctx, p['group']!, control) } },
        otherMethod: { status: 405, message: 'only POST supported against this resource' },
      }),
    ),
    {
      resource: 'tokens',
      scope: 'api',
      path: ['tokens'],
      methods: { GET: { role: 'admin', handler: (_req, ctx) => listTokens(ctx) }, POST: { role: 'admin', handler: createToken } },
      otherMethod: { status: 405, message: 'only GET and POST supported against this resource' },
    },
    { resource: 'token', scope: 'api', path: ['tokens', ':id'], methods: { DELETE: { role: 'admin', handler: (_req, ctx, p) => revokeToken(ctx, p['id']!) } }, otherMethod: { status: 405, message: 'only DELETE supported against this resource' } },
    {
      resource: BOOTSTRAP_RESOURCE,
      scope: 'api',
      path: ['auth', 'bootstrap'],
      methods: { POST: { role: 'admin', handler: (req, ctx) => bootstrapAuth(ctx, req.principal?.kind === 'local') } },
      otherMethod: { status: 405, message: 'only POST supported against this resource' },
    },
    { resource: 'events', scope: 'api', path: ['events'], methods: { GET: { role: 'read', handler: streamEvents } }, otherMethod: ONLY_GET },
    { resource: 'whoami', scope: 'api', path: ['auth', 'whoami'], methods: { GET: { role: 'read', handler: whoAmI } }, otherMethod: ONLY_GET },
    { resource: 'state', scope: 'api', path: ['state'], methods: { GET: { role: 'read', handler: listStates } }, otherMethod: ONLY_GET },
    { resource: 'unitState', scope: 'api', path: ['state', ':name'], methods: { GET: { role: 'read', handler: (req, ctx, p) => getState(req, ctx, p['name']!) } }, otherMethod: ONLY_GET },
    {
      resource: 'discovery',
      scope: 'api',
      path: ['discovery'],
      methods: { GET: { role: 'read', handler: discovery } },
      otherMethod: { status: 400, message: 'only HTTP GET supported against this resource' },
    },
    { resource: 'metrics', scope: 'root', path: ['metrics'], methods: { GET: { role: 'read', handler: options.metrics } }, otherMethod: ONLY_GET },
  ];
  if (options.health !== undefined) {
    table.push({ resource: 'health', scope: 'root', path: ['health'], methods: { GET: { role: 'read', handler: options.health } }, otherMethod: ONLY_GET });
  }
  for (const mount of options.staticMounts ?? []) table.push(staticRoute(mount, table));
  return table;
}

function staticRoute(mount: StaticMount, table: readonly RouteSpec[]): RouteSpec {
  const m = /^\/([A-Za-z0-9._-]+)$/.exec(mount.path);
  const segment = m?.[1];
  if (segment === undefined || segment === '.' || segment === '..') throw new RangeError(`static mount path must be /<name>, got ${JSON.stringify(mount.path)}`);
  const taken = ['fleet', 'v1-alpha', ...table.filter((r) => r.scope === 'root').map((r) => r.path[0])];
  if (taken.includes(segment)) throw new RangeError(`static mount path ${mount.path} is taken by the API`);
  return {
    resource: 'static',
    scope: 'root',
    path: [segment, '*'],
    methods: { GET: { role: 'read', public: mount.public === true, handler: staticHandler(mount) } },
    otherMethod: ONLY_GET,
  };
}

/** Serves `mount`'s files; its page (`index.html` at its root) starts the API's views when the mount asks for it. */
function staticHandler(mount: StaticMount): RouteHandler {
  return async (_req, ctx, _p, rest) => {
    const reply = await staticFile(mount.dir, rest);
    if (mount.startsViews === true && safeRelativePath(rest) === 'index.html') {
      ctx.units.start();
      ctx.schedule.start();
      ctx.machines.start();
    }
    return reply;
  };
}

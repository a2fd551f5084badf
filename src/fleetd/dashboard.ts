/**
 * The web dashboard's assets: built by `npm run build` into `dist/dashboard/`
 * (next to the compiled fleetd) and served by every API listener at `/ui/`
 * without a token (the page asks for one and sends it with each API call).
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { StaticMount } from '../api/index.js';

/** Where the dashboard is served. */
export const DASHBOARD_PATH = '/ui';

/**
 * The built assets' directory, dist/dashboard/: this code runs either as
 * dist/src/fleetd/dashboard.js (tsc's output, as tests load it) or inside
 * fleetd's bundle, dist/fleetd-bundle/fleetd.js (scripts/bundle.mjs).
 */
export const DASHBOARD_DIR = fileURLToPath(new URL(import.meta.url.includes('/fleetd-bundle/') ? '../dashboard/' : '../../dashboard/', import.meta.url));

/**
 * The static mount of the dashboard.
 * @returns undefined when the assets were not built (a checkout compiled with tsc alone): /ui/ is then 404.
 */
export function dashboardMount(dir: string = DASHBOARD_DIR): StaticMount | undefined {
  return existsSync(`${dir}/index.html`) ? { path: DASHBOARD_PATH, dir, public: true, startsViews: true } : undefined;
}

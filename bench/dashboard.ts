/**
 * The web dashboard at scale: the hollow benchmark cluster (1,000 real
 * Agents over the fake systemd, one Engine, one etcd) with 10,000 units
 * launched, the API (with the dashboard's assets) in this process on TCP,
 * and headless Debian chromium opening `/ui/`. Prints how long the first
 * view takes to render with everything listed (from navigation start, as
 * the page measures it: assets, API lists, render), for the overview and
 * the units table, and how long after a change is written to etcd the
 * page shows it (through the event stream).
 *
 *   npm run build && node dist/bench/dashboard.js [--machines 1000] [--units 10000] [--children 4] [--loads 3] [--probes 20] [--view-timeout 60] [--trace]
 *

 * `--trace` prints, for each first view, the page's requests (start, end,
 * bytes) and when the listing reached the store.
 */
import { pathToFileURL } from 'node:url';
import { FakeLocalCommands, startApiServer, type ApiServer } from '../src/api/index.js';
import { dashboardMount } from '../src/fleetd/dashboard.js';
import { createEtcdRegistry, type Registry } from '../src/registry/index.js';
import { launchBrowser, type LaunchedBrowser } from '../test/support/browser.js';
import { unitRecord } from '../test/support/units.js';
import type { BenchChild } from './hollow/children.js';
import { startHollowCluster } from './hollow/cluster.js';
import { ConvergenceWatch } from './hollow/progress.js';
import { hollowMachines, hollowWorkload } from './hollow/workload.js';
import { BenchArgs } from './lib/args.js';
import { etcdTarget } from './lib/etcd-target.js';
import { describeContext, runContext } from './lib/machine.js';
import { saveResults } from './lib/results.js';
import { formatMs, median, percentile } from './lib/stats.js';
import { waitUntil } from './lib/wait.js';

/** What the run measured (ms). */
export interface DashboardResult {
  readonly machines: number;
  readonly units: number;
  /** Overview: navigation start -> every machine card counted and every unit listed, per load. */
  readonly overviewMs: number[];
  /** Units table, same measure. */
  readonly unitsTableMs: number[];
  /** Unit written to etcd -> its row on the page, per probe. */
  readonly eventMs: number[];
  readonly appJsBytes: number;
}

export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<DashboardResult> {
  const args = new BenchArgs(argv);
  const machineCount = args.number('machines', 1000);
  const unitCount = args.number('units', 10_000);
  const childCount = Math.max(1, Math.min(args.number('children', 4), machineCount));
  const loads = args.number('loads', 3);
  const probes = args.number('probes', 20);
  const viewTimeoutMs = args.number('view-timeout', 60) * 1000;
  const trace = args.string('trace') === 'true';
  const ctx = runContext();
  const mount = dashboardMount();
  if (mount === undefined) throw new Error('the dashboard is not built: run npm run build');
  const machines = hollowMachines(machineCount);
  const work = hollowWorkload(unitCount, machines);
  console.log(`dashboard: ${machineCount} hollow machines, ${work.units.length} units launched; headless chromium`);
  console.log(describeContext(ctx));

  const etcd = await etcdTarget(args);
  const children: BenchChild[] = [];
  let registry: Registry | undefined;
  let api: ApiServer | undefined;
  let browser: LaunchedBrowser | undefined;
  let watch: ConvergenceWatch | undefined;
  try {
    registry = createEtcdRegistry({ endpoints: [etcd.endpoint], requestTimeoutMs: 30_000 });
    const hollow = await startHollowCluster({ endpoint: etcd.endpoint, machines, children: childCount, ttlMs: 30_000 }, registry);
    children.push(...hollow.children);
    console.log(`registered ${machineCount} machines in ${formatMs(hollow.registerMs)}`);
    watch = new ConvergenceWatch(registry.kv, registry.layout);
    await watch.start();
    const s0 = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        for (let i = next++; i < work.units.length; i = next++) await registry!.api.createUnit(work.units[i]!, 'launched');
      }),
    );
    const w = watch;
    await waitUntil('every unit scheduled and running', () => w.scheduleCount === work.expectedEntries && w.runningCount === work.expectedEntries, 900_000, 100);
    console.log(`${work.units.length} units (${work.expectedEntries} schedule entries) running after ${formatMs(performance.now() - s0)}`);

    // The API as fleetd serves it (own etcd connection, the dashboard mounted), no tokens.
    const apiRegistry = createEtcdRegistry({ endpoints: [etcd.endpoint], requestTimeoutMs: 30_000 });
    api = await startApiServer({ registry: apiRegistry.api, machineId: 'bench', listen: { tcp: '127.0.0.1:0' }, commands: new FakeLocalCommands(), staticMounts: [mount] });
    const base = api.addresses.find((a) => a.startsWith('tcp://'))!.replace('tcp://', 'http://');
    const appJs = await fetch(`${base}/ui/app.js`);
    const appJsBytes = (await appJs.arrayBuffer()).byteLength;

    browser = await launchBrowser();
    const page = await browser.browser.newPage();
    await page.setViewport({ width: 1440, height: 900 });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });

    const firstView = async (hash: string, ready: string): Promise<number> => {
      await page.goto('about:blank');
      await page.goto(`${base}/ui/${hash}`, { waitUntil: 'domcontentloaded' });
      try {
        const handle = await page.waitForFunction(`(${ready}) && performance.now()`, { polling: 'raf', timeout: viewTimeoutMs });
        return (await handle.jsonValue()) as number;
      } finally {
        if (trace) console.log(`  where the time went (${hash || '#/'}):\n${await pageTimings(page)}`);
      }
    };
    const allListed = `window.fleetStore?.data.units.size === ${work.units.length} && window.fleetStore.data.machines.size === ${machineCount}`;
    const overviewMs: number[] = [];
    const unitsTableMs: number[] = [];
    for (let i = 0; i < loads; i++) {
      overviewMs.push(await firstView('', `${allListed} && document.querySelector('#machine-count')?.textContent === '${machineCount}' && document.querySelectorAll('.card').length > 0`));
      unitsTableMs.push(await firstView('#/units', `${allListed} && document.querySelector('.shown')?.textContent === '${work.units.length} of ${work.units.length}' && document.querySelectorAll('.trow').length > 0`));
    }
    console.log(`first view, overview (${loads} loads): ${overviewMs.map(formatMs).join(', ')}`);
    console.log(`first view, units table (${loads} loads): ${unitsTableMs.map(formatMs).join(', ')}`);

    // Events: a unit submitted through the registry shows up in the filtered table.
    await page.type('#unit-search', 'bench-probe');
    await page.waitForFunction(`window.fleetStore.status.kind === 'live' && window.fleetStore.status.via === 'stream'`, { timeout: 30_000 });
    const eventMs: number[] = [];
    for (let i = 0; i < probes; i++) {
      const name = `bench-probe-${i}.service`;
      const shown = page.waitForFunction(`document.querySelector('.trow[data-unit="${name}"]') !== null && Date.now()`, { polling: 'raf', timeout: 30_000 });
      const t0 = Date.now();
      await registry.api.createUnit(unitRecord(name, '[Service]\nExecStart=/bin/true\n'), 'inactive');
      const t1 = (await (await shown).jsonValue()) as number;
      eventMs.push(t1 - t0);
      await new Promise((r) => setTimeout(r, 100));
    }
    console.log(`event to screen (${probes} units submitted): median ${formatMs(median(eventMs))}, p95 ${formatMs(percentile(eventMs, 95))}, max ${formatMs(Math.max(...eventMs))}`);
    if (errors.length > 0) console.log(`page errors: ${errors.join('; ')}`);
    await apiRegistry.close();

    const result: DashboardResult = { machines: machineCount, units: work.units.length, overviewMs, unitsTableMs, eventMs, appJsBytes };
    console.log(
      `\nsummary: first view ${formatMs(median(overviewMs))} (overview, median of ${loads}), ${formatMs(median(unitsTableMs))} (units table); ` +
        `an event on screen ${formatMs(median(eventMs))} median / ${formatMs(Math.max(...eventMs))} max; app.js ${(appJsBytes / 1024).toFixed(0)} KiB` +
        ` (targets: 2 s and 1 s)`,
    );
    const path = saveResults(`dashboard-${machineCount}x${unitCount}`, result, ctx);
    if (path) console.log(`results: ${path}`);
    return result;
  } finally {
    await browser?.close();
    await api?.close().catch(() => undefined);
    await watch?.close().catch(() => undefined);
    await registry?.close().catch(() => undefined);
    await Promise.all(children.map((c) => c.stop()));
    await etcd.stop();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}

/** The page's requests and when its store got the first listing, one line each (from the page's own performance timeline). */
export async function pageTimings(page: import('puppeteer-core').Page): Promise<string> {
  // A string: this runs in the page, whose DOM types the bench is not compiled with.
  return page.evaluate<[], () => string>(`(() => {
    const lines = performance.getEntriesByType('resource').map((e) =>
      '    ' + e.startTime.toFixed(0).padStart(6) + ' -> ' + e.responseEnd.toFixed(0).padStart(6) + ' ms ' + (e.encodedBodySize / 1024).toFixed(0).padStart(6) + ' KiB  ' + e.name.replace(location.origin, ''));
    const store = window.fleetStore;
    lines.push('    store listed at ' + (store?.firstLoadMs?.toFixed(0) ?? 'never') + ' ms (' + (store?.data.units.size ?? 0) + ' units, ' + (store?.data.machines.size ?? 0) + ' machines); now ' + performance.now().toFixed(0) + ' ms');
    return lines.join('\\n');
  })()`);
}

/**
 * The API's share of the dashboard's first view at scale, without agents
 * or a browser: the registry of a settled hollow cluster (1,000 machines,
 * 10,000 units launched, scheduled and reported running) written straight
 * into etcd, then the API (as `bench/dashboard.ts` starts it) asked for
 * what the page asks for on a first view: `/auth/whoami`, then
 * `/events`, `/machines`, `/units` and `/state` at once. Prints each
 * request's time and size, for a cold API (just started: nothing
 * followed yet) and warm ones. Quick to repeat (seconds, not minutes), so
 * it is the one to profile: `node --cpu-prof dist/bench/dashboard-api.js`.
 *
 *   npm run build && node dist/bench/dashboard-api.js [--machines 1000] [--units 10000] [--loads 3] [--cpu-prof FILE]
 *
 * `--cpu-prof FILE` writes a CPU profile of the cold first view only.
 * `--browser` then also opens `/ui/` in headless chromium, `--loads` times
 * on a cold API (restarted before each load) and as many on a warm one,
 * printing the page's time to a full first view (as `bench/dashboard.ts`
 * measures it) and where it went; `--page-prof FILE` writes the page's CPU
 * profile of the first cold load.
 */
import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { FakeLocalCommands, startApiServer, type ApiServer } from '../src/api/index.js';
import { dashboardMount } from '../src/fleetd/dashboard.js';
import { launchBrowser } from '../test/support/browser.js';
import { pageTimings } from './dashboard.js';
import { createEtcdRegistry, encodeMachine, encodeSchedule, encodeState, type Registry, type ScheduleEntry } from '../src/registry/index.js';
import type { TxnOp } from '../src/registry/index.js';
import { hollowMachines, hollowWorkload } from './hollow/workload.js';
import { BenchArgs } from './lib/args.js';
import { startCpuProfile } from './lib/cpu-profile.js';
import { etcdTarget } from './lib/etcd-target.js';
import { describeContext, runContext } from './lib/machine.js';
import { saveResults } from './lib/results.js';
import { formatMs, median } from './lib/stats.js';

/** One first view's requests: ms and bytes each, and the time until the last list answered. */
export interface FirstViewRequests {
  readonly ms: Record<string, number>;
  readonly bytes: Record<string, number>;
  readonly listedMs: number;
  /** CPU time of this process (the API and this client) meanwhile. */
  readonly cpuMs: number;
}

export interface DashboardApiResult {
  readonly machines: number;
  readonly units: number;
  readonly cold: FirstViewRequests;
  readonly warm: FirstViewRequests[];
  readonly page?: PageFirstViews;
}

/** The page's first views (overview, ms from navigation start), on a just-started API and on a warm one. */
export interface PageFirstViews {
  readonly coldMs: number[];
  readonly warmMs: number[];
}

/** Opens the overview `loads` times on a freshly started API each, then `loads` times on the last one. */
async function pageFirstViews(o: { endpoint: string; loads: number; machines: number; units: number; pageProfile: string | undefined }): Promise<PageFirstViews> {
  const mount = dashboardMount();
  if (mount === undefined) throw new Error('the dashboard is not built: run npm run build');
  const browser = await launchBrowser();
  const apis: Array<{ api: ApiServer; registry: Registry }> = [];
  const startApi = async (): Promise<string> => {
    const registry = createEtcdRegistry({ endpoints: [o.endpoint], requestTimeoutMs: 30_000 });
    const api = await startApiServer({ registry: registry.api, machineId: 'bench', listen: { tcp: '127.0.0.1:0' }, commands: new FakeLocalCommands(), staticMounts: [mount] });
    apis.push({ api, registry });
    return api.addresses.find((a) => a.startsWith('tcp://'))!.replace('tcp://', 'http://');
  };
  try {
    const page = await browser.browser.newPage();
    await page.setViewport({ width: 1440, height: 900 });
    const ready = `window.fleetStore?.data.units.size === ${o.units} && window.fleetStore.data.machines.size === ${o.machines} && document.querySelector('#machine-count')?.textContent === '${o.machines}' && document.querySelectorAll('.card').length > 0`;
    const view = async (base: string, profile?: string): Promise<number> => {
      await page.goto('about:blank');
      const cdp = profile !== undefined ? await page.createCDPSession() : undefined;
      if (cdp) {
        await cdp.send('Profiler.enable');
        await cdp.send('Profiler.setSamplingInterval', { interval: 500 });
        await cdp.send('Profiler.start');
      }
      await page.goto(`${base}/ui/`, { waitUntil: 'domcontentloaded' });
      const handle = await page.waitForFunction(`(${ready}) && performance.now()`, { polling: 'raf', timeout: 120_000 });
      const ms = (await handle.jsonValue()) as number;
      console.log(`  page first view ${formatMs(ms)}:\n${await pageTimings(page)}`);
      if (cdp) {
        const { profile: p } = await cdp.send('Profiler.stop');
        writeFileSync(profile!, JSON.stringify(p));
        console.log(`  page profile: ${profile}`);
        await cdp.detach();
      }
      return ms;
    };
    const coldMs: number[] = [];
    let base = '';
    for (let i = 0; i < o.loads; i++) {
      while (apis.length > 0) {
        const { api, registry } = apis.pop()!;
        await api.close();
        await registry.close();
      }
      base = await startApi();
      coldMs.push(await view(base, i === 0 ? o.pageProfile : undefined));
    }
    const warmMs: number[] = [];
    for (let i = 0; i < o.loads; i++) warmMs.push(await view(base));
    return { coldMs, warmMs };
  } finally {
    await browser.close();
    for (const { api, registry } of apis) {
      await api.close().catch(() => undefined);
      await registry.close().catch(() => undefined);
    }
  }
}

export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<DashboardApiResult> {
  const args = new BenchArgs(argv);
  const machineCount = args.number('machines', 1000);
  const unitCount = args.number('units', 10_000);
  const loads = args.number('loads', 3);
  const ctx = runContext();
  const machines = hollowMachines(machineCount);
  const work = hollowWorkload(unitCount, machines);
  console.log(`dashboard-api: ${machineCount} machines, ${work.units.length} units launched, written straight into etcd`);
  console.log(describeContext(ctx));
  const etcd = await etcdTarget(args);
  let registry: Registry | undefined;
  let api: ApiServer | undefined;
  try {
    registry = createEtcdRegistry({ endpoints: [etcd.endpoint], requestTimeoutMs: 30_000 });
    const t0 = performance.now();
    await writeSettledCluster(registry, machines.map((m) => m.id), work.units);
    console.log(`wrote the registry in ${formatMs(performance.now() - t0)}`);

    const apiRegistry = createEtcdRegistry({ endpoints: [etcd.endpoint], requestTimeoutMs: 30_000 });
    api = await startApiServer({ registry: apiRegistry.api, machineId: 'bench', listen: { tcp: '127.0.0.1:0' }, commands: new FakeLocalCommands() });
    const base = api.addresses.find((a) => a.startsWith('tcp://'))!.replace('tcp://', 'http://');
    const profilePath = args.string('cpu-prof');
    const profile = profilePath !== undefined ? await startCpuProfile(profilePath) : undefined;
    const cold = await firstViewRequests(base);
    if (profile) console.log(`cold first view profiled: ${await profile.stop()}`);
    console.log(`cold: ${describe(cold)}`);
    const warm: FirstViewRequests[] = [];
    for (let i = 0; i < loads; i++) {
      warm.push(await firstViewRequests(base));
      console.log(`warm: ${describe(warm[i]!)}`);
    }
    await api.close();
    api = undefined;
    await apiRegistry.close();
    console.log(`\nsummary: lists answered ${formatMs(cold.listedMs)} cold (CPU ${formatMs(cold.cpuMs)}), ${formatMs(median(warm.map((w) => w.listedMs)))} warm (median of ${loads}; CPU ${formatMs(median(warm.map((w) => w.cpuMs)))})`);
    let page: PageFirstViews | undefined;
    if (args.string('browser') === 'true') {
      page = await pageFirstViews({ endpoint: etcd.endpoint, loads, machines: machineCount, units: work.units.length, pageProfile: args.string('page-prof') });
      console.log(`page first view (overview): cold ${page.coldMs.map(formatMs).join(', ')}; warm ${page.warmMs.map(formatMs).join(', ')}`);
    }
    const result: DashboardApiResult = { machines: machineCount, units: work.units.length, cold, warm, ...(page ? { page } : {}) };
    const path = saveResults(`dashboard-api-${machineCount}x${unitCount}`, result, ctx);
    if (path) console.log(`results: ${path}`);
    return result;
  } finally {
    await api?.close().catch(() => undefined);
    await registry?.close().catch(() => undefined);
    await etcd.stop();
  }
}

/** What the page asks for on a first view, as it asks (whoami, then the stream and the three lists at once). */
async function firstViewRequests(base: string): Promise<FirstViewRequests> {
  const ms: Record<string, number> = {};
  const bytes: Record<string, number> = {};
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const get = async (path: string, init: RequestInit = {}): Promise<Response> => {
    const res = await fetch(`${base}/fleet/v1${path}`, init);
    if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
    return res;
  };
  const body = async (label: string, path: string): Promise<void> => {
    const res = await get(path);
    bytes[label] = (await res.arrayBuffer()).byteLength;
    ms[label] = performance.now() - t0;
  };
  await body('whoami', '/auth/whoami');
  const stream = new AbortController();
  const opened = get('/events', { headers: { Accept: 'text/event-stream' }, signal: stream.signal }).then(() => {
    ms['events'] = performance.now() - t0;
  });
  await Promise.all([opened, body('machines', '/machines?pageSize=65535'), body('units', '/units?pageSize=65535&options=false'), body('state', '/state?pageSize=65535')]);
  const listedMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  stream.abort();
  return { ms, bytes, listedMs, cpuMs: (cpu.user + cpu.system) / 1000 };
}

function describe(r: FirstViewRequests): string {
  return Object.entries(r.ms)
    .map(([k, v]) => `${k} ${formatMs(v)}${r.bytes[k] !== undefined ? ` (${(r.bytes[k]! / 1024).toFixed(0)} KiB)` : ''}`)
    .join(', ') + `; CPU ${formatMs(r.cpuMs)}`;
}

/**
 * Writes what a settled cluster holds: machines, units launched, every unit
 * scheduled (globals on every machine, the rest round robin) and reported
 * running. Plain keys without leases: nothing here expires.
 */
export async function writeSettledCluster(registry: Registry, machineIds: readonly string[], units: ReturnType<typeof hollowWorkload>['units']): Promise<void> {
  const { kv, layout } = registry;
  const ops: TxnOp[] = machineIds.map((id) => ({ type: 'put', key: layout.machine(id), value: encodeMachine({ id, publicIP: '127.0.0.1', metadata: {}, version: 'bench', capabilities: {} }) }));
  let next = 0;
  for (const u of units) {
    const global = u.options.some((o) => o.section === 'X-Fleet' && o.name === 'Global' && o.value === 'true');
    const on = global ? machineIds : [machineIds[next++ % machineIds.length]!];
    for (const machineId of on) {
      const entry: ScheduleEntry = { machineId, name: u.name, hash: u.hash, targetState: 'launched', reason: 'placed' };
      ops.push({ type: 'put', key: layout.schedule(machineId, u.name), value: encodeSchedule(entry) });
      ops.push({ type: 'put', key: layout.state(u.name, machineId), value: encodeState({ name: u.name, machineId, loadState: 'loaded', activeState: 'active', subState: 'running', hash: u.hash, timestamp: Date.now() }) });
    }
  }
  for (let i = 0; i < units.length; i += 16) await Promise.all(units.slice(i, i + 16).map((u) => registry.api.createUnit(u, 'launched')));
  for (let i = 0; i < ops.length; i += 100) await kv.txn([], ops.slice(i, i + 100));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}

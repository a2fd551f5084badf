import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import type { ClusterHost } from '../../src/sandbox/cluster.js';

/**
 * Where a fleetd's memory is, in bytes. RSS depends on when V8 last
 * collected and on what else runs on the machine; the V8 heap figures come
 * from fleetd's own `/metrics` (prom-client's `nodejs_heap_size_*`, i.e.
 * `process.memoryUsage()`), so they show what fleetd holds regardless of load.
 */
export interface FleetdMemory {
  /** VmRSS. */
  readonly rss: number;
  /** RssAnon: heap, malloc, stacks (what fleetd allocated). */
  readonly rssAnon: number;
  /** RssFile: pages of the node binary and other mapped files. */
  readonly rssFile: number;
  /** V8 heap in use (live objects plus garbage not yet collected). */
  readonly heapUsed: number;
  /** V8 heap committed. */
  readonly heapTotal: number;
  /** Memory of JS objects held outside the V8 heap (Buffers, ArrayBuffers). */
  readonly external: number;
}

function statusField(status: string, field: string): number {
  const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(status);
  return m ? Number(m[1]) * 1024 : NaN;
}

function metricsText(socketPath: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, path: '/metrics', timeout: 10_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`/metrics answered ${res.statusCode}`))));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('/metrics timed out')));
    req.on('error', reject);
    req.end();
  });
}

function gauge(text: string, name: string): number {
  const m = new RegExp(`^${name} (\\S+)`, 'm').exec(text);
  return m ? Number(m[1]) : NaN;
}

/**
 * The memory of the fleetd on `h`: /proc for the process, its API socket's
 * `/metrics` for the V8 heap (scraped first, so the RSS read includes that scrape).
 * @throws when fleetd is not running or `/metrics` does not answer.
 */
export async function fleetdMemory(h: ClusterHost): Promise<FleetdMemory> {
  const pid = h.fleetd?.pid;
  if (pid === undefined) throw new Error(`no fleetd on host ${h.index}`);
  const text = await metricsText(h.apiSocket);
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return {
    rss: statusField(status, 'VmRSS'),
    rssAnon: statusField(status, 'RssAnon'),
    rssFile: statusField(status, 'RssFile'),
    heapUsed: gauge(text, 'nodejs_heap_size_used_bytes'),
    heapTotal: gauge(text, 'nodejs_heap_size_total_bytes'),
    external: gauge(text, 'nodejs_external_memory_bytes'),
  };
}

/** `m` as `{ <prefix>RssMiB, <prefix>HeapUsedMiB, ... }` for a run's extras. */
export function memoryExtras(prefix: string, m: FleetdMemory): Record<string, number> {
  const mib = (b: number): number => Math.round((b / 2 ** 20) * 10) / 10;
  return {
    [`${prefix}RssMiB`]: mib(m.rss),
    [`${prefix}AnonMiB`]: mib(m.rssAnon),
    [`${prefix}FileMiB`]: mib(m.rssFile),
    [`${prefix}HeapUsedMiB`]: mib(m.heapUsed),
    [`${prefix}HeapTotalMiB`]: mib(m.heapTotal),
    [`${prefix}ExternalMiB`]: mib(m.external),
  };
}

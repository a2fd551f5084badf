/**
 * The floor: raw etcd write throughput on this machine, with the etcd3
 * client alone (no registry, no fleet code), so fleet's own figures can be
 * read as a ratio of what etcd can do at all. Each configuration writes
 * `--puts` keys (200-byte values, like a state record) in transactions of K
 * puts, C transactions in flight.
 *
 *   npm run build && node dist/bench/etcd-floor.js [--puts 10000] [--endpoint URL] [--configs 1x1,1x16,1x64,128x1,128x4]
 */
import { pathToFileURL } from 'node:url';
import { createEtcdClient } from '../src/registry/etcd-client.js';
import { BenchArgs } from './lib/args.js';
import { etcdTarget } from './lib/etcd-target.js';
import { describeContext, runContext } from './lib/machine.js';
import { saveResults } from './lib/results.js';
import { formatMs, table } from './lib/stats.js';

/** One floor configuration: K puts per transaction, C transactions in flight. */
export interface FloorConfig {
  readonly opsPerTxn: number;
  readonly concurrency: number;
}

/** What one configuration achieved. */
export interface FloorResult extends FloorConfig {
  readonly keys: number;
  readonly txns: number;
  readonly ms: number;
  readonly keysPerSec: number;
  readonly txnsPerSec: number;
}

/** Parses `KxC` (e.g. `128x4`). Throws RangeError for anything else. */
export function parseFloorConfig(s: string): FloorConfig {
  const m = /^(\d+)x(\d+)$/.exec(s);
  if (!m) throw new RangeError(`config must be <opsPerTxn>x<concurrency>, got ${JSON.stringify(s)}`);
  return { opsPerTxn: Number(m[1]), concurrency: Number(m[2]) };
}

/**
 * Writes `keys` keys under `prefix` as `cfg` describes and measures the wall
 * time. Rejects when etcd refuses a transaction.
 */
export async function measureFloor(endpoint: string, keys: number, cfg: FloorConfig, prefix = '/floor/'): Promise<FloorResult> {
  const client = createEtcdClient({ endpoints: [endpoint], requestTimeoutMs: 30_000 });
  const value = Buffer.alloc(200, 'x');
  try {
    await client.kv.range({ key: Buffer.from('/warmup') }); // dial outside the timed part
    const txns = Math.ceil(keys / cfg.opsPerTxn);
    let next = 0;
    const t0 = performance.now();
    const worker = async (): Promise<void> => {
      for (;;) {
        const t = next++;
        if (t >= txns) return;
        const ops = [];
        for (let i = t * cfg.opsPerTxn; i < Math.min(keys, (t + 1) * cfg.opsPerTxn); i++) {
          ops.push({ request_put: { key: Buffer.from(`${prefix}${cfg.opsPerTxn}x${cfg.concurrency}/${i}`), value } });
        }
        await client.kv.txn({ compare: [], success: ops, failure: [] });
      }
    };
    await Promise.all(Array.from({ length: cfg.concurrency }, worker));
    const ms = performance.now() - t0;
    await client.kv.deleteRange({ key: Buffer.from(prefix), range_end: Buffer.from(prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1)) });
    return { ...cfg, keys, txns, ms, keysPerSec: (keys / ms) * 1000, txnsPerSec: (txns / ms) * 1000 };
  } finally {
    client.close();
  }
}

/** Runs the floor benchmark with command-line options; prints a table and saves the results. */
export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<FloorResult[]> {
  const args = new BenchArgs(argv);
  const puts = args.number('puts', 10_000);
  const configs = args.list('configs', ['1x1', '1x16', '1x64', '128x1', '128x4']).map(parseFloorConfig);
  const ctx = runContext();
  console.log(`etcd floor: ${puts} puts of 200 B per configuration (K puts/txn x C in flight)`);
  console.log(describeContext(ctx));
  const etcd = await etcdTarget(args);
  const results: FloorResult[] = [];
  try {
    for (const cfg of configs) results.push(await measureFloor(etcd.endpoint, puts, cfg));
  } finally {
    await etcd.stop();
  }
  console.log(
    table(
      ['ops/txn', 'in flight', 'txns', 'time', 'keys/s', 'txns/s'],
      results.map((r) => [String(r.opsPerTxn), String(r.concurrency), String(r.txns), formatMs(r.ms), r.keysPerSec.toFixed(0), r.txnsPerSec.toFixed(0)]),
    ),
  );
  const path = saveResults('etcd-floor', { puts, results }, ctx);
  if (path) console.log(`results: ${path}`);
  return results;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}

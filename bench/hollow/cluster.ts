/**
 * The hollow benchmark cluster's processes: one Engine child and
 * `children` agent children holding `machines` real Agents over the fake
 * systemd, all on one etcd. Shared by scale-hollow and the dashboard bench.
 */
import type { Registry } from '../../src/registry/index.js';
import { machineIdOf } from '../lib/inproc-cluster.js';
import { waitUntil } from '../lib/wait.js';
import { BenchChild } from './children.js';
import type { HollowMachine } from './protocol.js';

/** Options of {@link startHollowCluster}. */
export interface HollowClusterOptions {
  readonly endpoint: string;
  readonly machines: readonly HollowMachine[];
  /** Agent processes. */
  readonly children: number;
  readonly ttlMs: number;
  readonly agentsPerClient?: number;
  readonly execArgv?: readonly string[];
  readonly timeoutMs?: number;
}

/** The running processes; `children` includes the engine (first). */
export interface HollowCluster {
  readonly engine: BenchChild;
  readonly children: BenchChild[];
  /** ms from the first fork until every machine registered. */
  readonly registerMs: number;
}

/**
 * Starts the engine and the agents, waits until every machine registered and the engine leads.
 * On failure stops what it started and rethrows.
 */
export async function startHollowCluster(o: HollowClusterOptions, registry: Registry): Promise<HollowCluster> {
  const execArgv = o.execArgv ?? [];
  const children: BenchChild[] = [];
  try {
    const engine = await BenchChild.start('engine', './engine-child.js', { endpoint: o.endpoint, machineId: machineIdOf(0, 'e'), leaseTtlSeconds: 5 }, execArgv);
    children.push(engine);
    const t0 = performance.now();
    const per = Math.ceil(o.machines.length / o.children);
    const starting = [];
    for (let i = 0; i < o.children; i++) {
      const slice = o.machines.slice(i * per, (i + 1) * per);
      if (slice.length > 0) starting.push(BenchChild.start(`agents-${i}`, './agents-child.js', { endpoint: o.endpoint, machines: slice, ttlMs: o.ttlMs, agentsPerClient: o.agentsPerClient ?? 1 }, execArgv));
    }
    for (const c of await Promise.allSettled(starting)) {
      if (c.status === 'fulfilled') children.push(c.value);
      else throw c.reason;
    }
    await waitUntil(`${o.machines.length} machines registered`, async () => (await registry.api.listMachines()).length === o.machines.length, o.timeoutMs ?? 600_000, 200);
    const registerMs = performance.now() - t0;
    await waitUntil('engine leads', async () => (await engine.stats()).engine?.active === true, 30_000, 50);
    return { engine, children, registerMs };
  } catch (err) {
    await Promise.all(children.map((c) => c.stop()));
    throw err;
  }
}

/** Messages between the scale benchmark and its child processes (over the IPC channel). */

/** One hollow machine for an agents child to run. */
export interface HollowMachine {
  readonly id: string;
  readonly metadata: Record<string, string>;
}

/** Configuration of an agents child (passed as JSON in argv[2]). */
export interface AgentsChildConfig {
  readonly endpoint: string;
  readonly machines: readonly HollowMachine[];
  readonly ttlMs: number;
  /** Agents sharing one etcd client (1 = every agent has its own connection). */
  readonly agentsPerClient: number;
}

/** Configuration of the engine child. */
export interface EngineChildConfig {
  readonly endpoint: string;
  readonly machineId: string;
  readonly leaseTtlSeconds: number;
}

/** Resource use of one child so far. */
export interface ChildUsage {
  /** process.cpuUsage() user+system, ms. */
  readonly cpuMs: number;
  readonly rssBytes: number;
  readonly heapUsedBytes: number;
}

/** Parent -> child. */
export type ParentMessage = { readonly type: 'stats' } | { readonly type: 'stop' };

/** Child -> parent. */
export type ChildMessage =
  | { readonly type: 'ready' }
  | { readonly type: 'error'; readonly message: string }
  | ({ readonly type: 'stats'; readonly usage: ChildUsage } & ChildStats);

/** What a child adds to its usage: agents report unit counts, the engine its pass counters. */
export interface ChildStats {
  /** Units systemd (fake) runs, summed over this child's agents. */
  readonly runningUnits?: number;
  readonly engine?: { readonly active: boolean; readonly passes: number; readonly opsWritten: number; readonly lastPlanMs: number; readonly failedPasses: number };
}

/** This process's usage now. */
export function usageNow(): ChildUsage {
  const c = process.cpuUsage();
  const m = process.memoryUsage();
  return { cpuMs: (c.user + c.system) / 1000, rssBytes: m.rss, heapUsedBytes: m.heapUsed };
}

/**
 * Serves the parent's requests: `stats` is answered with `stats()`, `stop`
 * runs `stop()` and exits. An uncaught failure is reported and exits 1.
 */
export function serveParent(stats: () => Promise<ChildStats> | ChildStats, stop: () => Promise<void>): void {
  const send = (m: ChildMessage) => process.send?.(m);
  process.on('message', (m: ParentMessage) => {
    if (m.type === 'stats') {
      void Promise.resolve(stats()).then((s) => send({ type: 'stats', usage: usageNow(), ...s }));
    } else if (m.type === 'stop') {
      void stop().finally(() => process.exit(0));
    }
  });
  // The parent died: never outlive it.
  process.on('disconnect', () => void stop().finally(() => process.exit(0)));
}

import type { KvBackend, Subscription } from '../../src/registry/kv.js';
import type { KeyLayout } from '../../src/registry/keys.js';

/**
 * Counts schedule entries and `running` state reports from one prefix
 * watch, so the benchmark knows when the cluster converged without
 * re-reading thousands of keys per poll.
 */
export class ConvergenceWatch {
  private readonly scheduled = new Set<string>();
  private readonly running = new Set<string>();
  private sub: Subscription | undefined;

  constructor(private readonly kv: KvBackend, private readonly layout: KeyLayout) {}

  /** Starts watching from the current revision (call before anything is submitted). */
  async start(): Promise<void> {
    const { revision } = await this.kv.get(this.layout.leader());
    this.sub = this.kv.watch(this.layout.prefix, revision + 1n, {
      onEvents: (events) => {
        for (const ev of events) {
          const p = this.layout.parse(ev.kv.key);
          if (p?.kind === 'schedule') {
            if (ev.type === 'put') this.scheduled.add(ev.kv.key);
            else this.scheduled.delete(ev.kv.key);
          } else if (p?.kind === 'state') {
            if (ev.type === 'put' && ev.kv.value.includes('"subState":"running"')) this.running.add(ev.kv.key);
            else this.running.delete(ev.kv.key);
          }
        }
      },
      onResync: (reason) => {
        throw new Error(`convergence watch lost its place (${reason}); cannot count`);
      },
    });
  }

  /** Schedule entries currently present. */
  get scheduleCount(): number {
    return this.scheduled.size;
  }

  /** State reports currently saying `running`. */
  get runningCount(): number {
    return this.running.size;
  }

  /** Stops the watch. */
  async close(): Promise<void> {
    await this.sub?.close();
  }
}

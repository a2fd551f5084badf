import { MemoryKv, type KvWatchListener, type KvWatchOptions, type ResyncReason, type Subscription } from '../../src/registry/index.js';

/**
 * A MemoryKv that counts the watches opened on it (per prefix, and how many
 * are open now), and can end them as etcd does (`dropWatches`): for tests
 * that a component shares one store watch instead of opening one per user.
 */
export class WatchCountingKv extends MemoryKv {
  /** Watches opened so far, by prefix. */
  readonly opened = new Map<string, number>();
  private readonly live = new Set<{ readonly prefix: string; readonly listener: KvWatchListener; readonly close: () => Promise<void> }>();

  override watch(prefix: string, fromRevision: bigint, listener: KvWatchListener, options?: KvWatchOptions): Subscription {
    this.opened.set(prefix, (this.opened.get(prefix) ?? 0) + 1);
    const sub = super.watch(prefix, fromRevision, listener, options);
    const entry = {
      prefix,
      listener,
      close: async () => {
        this.live.delete(entry);
        await sub.close();
      },
    };
    this.live.add(entry);
    return { close: entry.close };
  }

  /** Watches open now on `prefix` (every prefix when undefined). */
  openOn(prefix?: string): number {
    return [...this.live].filter((w) => prefix === undefined || w.prefix === prefix).length;
  }

  /** Watches opened so far on `prefix` (every prefix when undefined). */
  openedOn(prefix?: string): number {
    return prefix === undefined ? [...this.opened.values()].reduce((a, b) => a + b, 0) : (this.opened.get(prefix) ?? 0);
  }

  /** Ends every open watch with `reason` (etcd canceling a watch, e.g. one that lagged behind a compaction). */
  dropWatches(reason: ResyncReason): void {
    for (const w of [...this.live]) {
      void w.close();
      w.listener.onResync(reason);
    }
  }
}

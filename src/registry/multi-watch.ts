import type { KvBackend, KvWatchListener, Subscription } from './kv.js';

/**
 * Watches several prefixes from one revision as a single subscription, so a
 * reader can skip a busy directory lying between the ones it needs (etcd
 * watches one key range per watcher and has no server-side key filter).
 *
 * What the merged listener sees: each prefix's events in revision order and
 * exactly once, but events of different prefixes may interleave out of
 * revision order (and one transaction touching two prefixes arrives in two
 * calls), because each prefix is its own watch. That suits a per-key cache.
 * The first `onResync` of any prefix closes all of them and is reported
 * once; `onConnection(false)` is reported when the first watch loses its
 * connection and `onConnection(true)` once all are back. `close()` closes
 * every watch and is idempotent.
 */
export function watchPrefixes(kv: KvBackend, prefixes: readonly string[], fromRevision: bigint, listener: KvWatchListener): Subscription {
  let ended = false;
  const subs: Subscription[] = [];
  const down = new Set<number>();
  const closeAll = (): Promise<void> => Promise.all(subs.map((s) => s.close())).then(() => undefined);
  prefixes.forEach((prefix, i) => {
    const sub = kv.watch(prefix, fromRevision, {
      onEvents: (events) => {
        if (!ended) listener.onEvents(events);
      },
      onResync: (reason, detail) => {
        if (ended) return;
        ended = true;
        void closeAll();
        listener.onResync(reason, detail);
      },
      onConnection: (connected) => {
        if (ended) return;
        const wasUp = down.size === 0;
        if (connected) down.delete(i);
        else down.add(i);
        if (wasUp !== (down.size === 0)) listener.onConnection?.(!wasUp);
      },
    });
    subs.push(sub);
    if (ended) void sub.close();
  });
  return {
    close: async () => {
      ended = true;
      await closeAll();
    },
  };
}

import * as etcd3Watch from 'etcd3/lib/watch.js';

/**
 * Two races in etcd3 1.1.2's watch manager (one gRPC stream shared by every
 * watcher of a client), both seen in our compaction tests:
 *
 * 1. A response for a watch id etcd3 no longer tracks (etcd's answer to our
 *    cancel request arriving after etcd had already canceled that watch for a
 *    compaction, or events for a watch we just canceled) makes etcd3 throw
 *    inside the stream's data handler; the stream then delivers nothing more
 *    to ANY watcher of that client. Such a response is dropped instead.
 * 2. When etcd answers a create request with "created and canceled" at once,
 *    etcd3 reports the error but leaves that watcher at the head of its attach
 *    queue, so every later watcher on the client waits forever. The dead
 *    watcher is popped and the next create request sent, as after a normal
 *    create.
 *
 * Installed once, before the first client is built. Reaches into etcd3's
 * internals on purpose; each fix checks the shapes it relies on and does
 * nothing when they differ (a newer etcd3), so an upgrade degrades to the
 * library's own behaviour rather than breaking. The module is imported
 * statically (not with `require`), so a bundle that contains etcd3 (fleetd's)
 * patches the copy it actually runs.
 *
 * @returns whether both fixes were installed.
 */
export function installEtcd3WatchFixes(): boolean {
  if (installed !== undefined) return installed;
  installed = false;
  const manager = (etcd3Watch as unknown as { WatchManager?: { prototype: WatchManagerProto } }).WatchManager?.prototype;
  if (!manager || typeof manager.handleResponse !== 'function' || typeof manager.handleCreatedResponse !== 'function') {
    return installed;
  }
  const handleResponse = manager.handleResponse;
  manager.handleResponse = function (this: WatchManagerState, res: WatchResponse) {
    if (Array.isArray(this.watchers) && !this.watchers.some((w) => w.id === res.watch_id)) return undefined;
    return handleResponse.call(this, res);
  };
  const handleCreatedResponse = manager.handleCreatedResponse;
  manager.handleCreatedResponse = function (this: WatchManagerState, res: WatchResponse) {
    const head = this.queue?.queue?.[0];
    const result = handleCreatedResponse.call(this, res);
    const queue = this.queue;
    if (res.canceled && head && queue && Array.isArray(queue.queue) && queue.queue[0] === head && typeof queue.readQueue === 'function') {
      queue.queue.shift();
      queue.readQueue();
    }
    return result;
  };
  installed = true;
  return installed;
}

let installed: boolean | undefined;

interface WatchResponse {
  readonly watch_id: string;
  readonly canceled?: boolean;
}

interface WatchManagerState {
  watchers?: { id: string | null }[];
  queue?: { queue?: unknown[]; readQueue?: () => void };
}

interface WatchManagerProto {
  handleResponse(this: WatchManagerState, res: WatchResponse): unknown;
  handleCreatedResponse(this: WatchManagerState, res: WatchResponse): unknown;
}

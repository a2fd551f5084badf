import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { EventEmitter } from 'node:events';
import { installEtcd3WatchFixes } from '../../../src/registry/etcd3-watch-fixes.js';

// etcd3's WatchManager, driven directly with the responses etcd sends in the
// two races (see etcd3-watch-fixes.ts); a real-etcd reproduction is the
// compaction case of test/contract/registry.test.ts.
const require = createRequire(import.meta.url);
const { WatchManager } = require('etcd3/lib/watch.js') as {
  WatchManager: new (client: unknown, backoff: unknown) => Record<string, unknown> & {
    handleResponse(res: object): void;
    handleCreatedResponse(res: object): void;
  };
};

function managerWith(watchers: { id: string | null }[], queue: unknown[]) {
  const m = new WatchManager({}, { next: () => ({ duration: 1 }) });
  const written: unknown[] = [];
  m.watchers = watchers;
  m.queue = {
    queue,
    readQueue(this: { queue: EventEmitter[] }) {
      if (this.queue.length > 0) written.push(this.queue[0]);
    },
  };
  return { m, written };
}

test('installs on the etcd3 version we ship', () => {
  assert.equal(installEtcd3WatchFixes(), true);
});

test('a response for a watch id etcd3 no longer tracks is dropped, not thrown in the stream handler', () => {
  installEtcd3WatchFixes();
  const live = Object.assign(new EventEmitter(), { id: '5' });
  const { m } = managerWith([live], []);
  assert.doesNotThrow(() => m.handleResponse({ watch_id: '4', canceled: true, events: [] }));
  const seen: unknown[] = [];
  live.on('data', (r) => seen.push(r));
  m.handleResponse({ watch_id: '5', canceled: false, events: [] });
  assert.equal(seen.length, 1, 'responses for tracked watches still arrive');
});

test('"created and canceled" at once pops the dead watcher and sends the next create request', () => {
  installEtcd3WatchFixes();
  const dead = Object.assign(new EventEmitter(), { id: null });
  const next = Object.assign(new EventEmitter(), { id: null });
  dead.on('error', () => undefined);
  const { m, written } = managerWith([dead, next], [dead, next]);
  m.handleCreatedResponse({ watch_id: '-1', created: true, canceled: true, cancel_reason: 'compacted' });
  assert.deepEqual(written, [next]);
  assert.deepEqual((m.queue as { queue: unknown[] }).queue, [next]);
});

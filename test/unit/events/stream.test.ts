import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../../src/clock.js';
import { EventsCompactedError, openEventStream, type EventSource } from '../../../src/events/stream.js';
import { parseEventFilter } from '../../../src/events/filter.js';

/** A source at revision 100 with history compacted up to 50, counting what it is asked. */
function source(): EventSource & { readonly asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    headRevision: async () => {
      asked.push('head');
      return 100n;
    },
    isCompacted: async (r) => {
      asked.push(`compacted ${r}`);
      return r <= 50n;
    },
    watchChanges: () => assert.fail('not run here'),
  };
}

const timing = { clock: new ManualClock(0), heartbeatMs: 15_000, replayIdleMs: 300 };
const filter = parseEventFilter({ types: [] });

test('openEventStream: following from now reads the head revision only (the dashboard opens one before its lists)', async () => {
  const s = source();
  assert.equal((await openEventStream(s, { filter, follow: true }, timing)).from, 101n);
  assert.deepEqual(s.asked, ['head']);
});

test('openEventStream: a from at or before the head is checked against compaction (410 upstream); a future one is not', async () => {
  const s = source();
  assert.equal((await openEventStream(s, { filter, follow: true, from: 60n }, timing)).from, 60n);
  await assert.rejects(openEventStream(s, { filter, follow: true, from: 50n }, timing), EventsCompactedError);
  assert.equal((await openEventStream(s, { filter, follow: true, from: 101n }, timing)).from, 101n);
  assert.deepEqual(s.asked, ['head', 'compacted 60', 'head', 'compacted 50', 'head']);
  // Without follow and from, the last 1,000 revisions (here: from 1, compacted) move to the present.
  assert.equal((await openEventStream(source(), { filter, follow: false }, timing)).from, 101n);
});

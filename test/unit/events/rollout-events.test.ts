import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rolloutEvents } from '../../../src/events/rollout-events.js';
import type { RolloutBatch, RolloutRecord } from '../../../src/rollout/types.js';

const record = (over: Partial<RolloutRecord> = {}): RolloutRecord => ({
  group: 'web@.service',
  kind: 'template',
  fromHash: 'aaaaaaa1',
  toHash: 'bbbbbbb2',
  settings: { maxParallel: 2, minHealthyTimeMs: 10_000, healthyDeadlineMs: 300_000, autoRevert: false },
  phase: 'pending',
  paused: false,
  undoRequested: false,
  createdAt: 1,
  updatedAt: 1,
  members: [],
  targets: [],
  batches: [],
  ...over,
});
const batch = (index: number, state: RolloutBatch['state'], kind: RolloutBatch['kind'] = 'update', reason?: string): RolloutBatch => ({
  index,
  kind,
  targets: [`web@${2 * index + 1}.service`, `web@${2 * index + 2}.service`],
  startedAt: 10,
  state,
  ...(reason !== undefined ? { reason } : {}),
});
const types = (now: RolloutRecord | undefined, was: RolloutRecord | undefined) => rolloutEvents(7, 't', 'web@.service', now, was).map((e) => e.type);

const cases: Array<[string, RolloutRecord | undefined, RolloutRecord | undefined, string[]]> = [
  ['created by the API (pending): started', record(), undefined, ['rollout.started']],
  ['the engine starts it with its first batch: only the batch (started was told at creation)', record({ phase: 'running', batches: [batch(0, 'running')] }), record(), ['rollout.batch-started']],
  ['a batch turns healthy and the next starts', record({ phase: 'running', batches: [batch(0, 'healthy'), batch(1, 'running')] }), record({ phase: 'running', batches: [batch(0, 'running')] }), ['rollout.batch-healthy', 'rollout.batch-started']],
  ['a progress write with no batch or phase change says nothing', record({ phase: 'running', updatedAt: 9, batches: [batch(0, 'running')] }), record({ phase: 'running', batches: [batch(0, 'running')] }), []],
  ['the last batch healthy: done', record({ phase: 'done', batches: [batch(0, 'healthy')] }), record({ phase: 'running', batches: [batch(0, 'running')] }), ['rollout.batch-healthy', 'rollout.done']],
  ['a batch fails: batch-failed then failed', record({ phase: 'failed', batches: [batch(0, 'failed', 'update', 'web@1 failed')] }), record({ phase: 'running', batches: [batch(0, 'running')] }), ['rollout.batch-failed', 'rollout.failed']],
  ['auto-revert: failed batch, reverting with a revert batch', record({ phase: 'reverting', batches: [batch(0, 'failed'), batch(1, 'running', 'revert')] }), record({ phase: 'running', batches: [batch(0, 'running')] }), ['rollout.batch-failed', 'rollout.batch-started', 'rollout.reverting']],
  ['reverted', record({ phase: 'reverted', batches: [batch(0, 'failed'), batch(1, 'healthy', 'revert')] }), record({ phase: 'reverting', batches: [batch(0, 'failed'), batch(1, 'running', 'revert')] }), ['rollout.batch-healthy', 'rollout.reverted']],
  ['a new rollout of the same group replaces a finished record: started again', record({ createdAt: 50 }), record({ phase: 'done', batches: [batch(0, 'healthy')] }), ['rollout.started']],
  ['a deleted record says nothing', undefined, record({ phase: 'done' }), []],
];

for (const [name, now, was, want] of cases) {
  test(`rolloutEvents: ${name}`, () => assert.deepEqual(types(now, was), want));
}

test('rolloutEvents: batch events carry the batch, its kind, targets and reason; the group is the unit', () => {
  const [e] = rolloutEvents(7, 't', 'web@.service', record({ phase: 'failed', batches: [batch(0, 'failed', 'update', 'web@1 failed')] }), record({ phase: 'failed', batches: [batch(0, 'running')] }));
  assert.deepEqual(e, { revision: 7, time: 't', unit: 'web@.service', type: 'rollout.batch-failed', batch: 0, batchKind: 'update', targets: ['web@1.service', 'web@2.service'], reason: 'web@1 failed' });
});

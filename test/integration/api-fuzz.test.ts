/**
 * Hostile input against a real API on a real etcd: a seeded run of
 * generated requests (bench/lib/api-fuzz.ts) must never get a 5xx, every
 * 4xx must carry fleet's JSON error body, and no rejected request may move
 * the registry. The full >= 100,000-request run is `npm run bench -- api-fuzz`.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runFuzz } from '../../bench/lib/api-fuzz.js';
import { startFuzzApi, type FuzzApi } from '../../bench/lib/fuzz-api.js';
import { startEtcd, type TestEtcd } from '../../src/sandbox/etcd.js';

let etcd: TestEtcd | undefined;
let api: FuzzApi | undefined;
const dir = mkdtempSync(join(tmpdir(), 'fleet-fuzz-'));

before(async () => {
  etcd = await startEtcd();
  api = await startFuzzApi({ endpoints: etcd.endpoints, dir });
});

after(async () => {
  await api?.stop();
  await etcd?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('2,000 generated requests: no 5xx, JSON errors, rejected requests change nothing', async (t) => {
  const counts = await runFuzz({ target: api!.target, count: 2000, seed: 14, tokens: api!.tokens });
  t.diagnostic(`answers by status: ${JSON.stringify(counts.byStatus)}, raw requests closed unanswered: ${counts.rawClosed}`);
  assert.deepEqual(counts.violations.slice(0, 20), []);
  assert.equal(counts.requests, 2000);
  // The run must reach the handlers, not only be refused at the door.
  const s = (code: number): number => counts.byStatus[code] ?? 0;
  assert.ok(s(200) > 100 && s(400) > 100 && s(404) > 100 && s(201) + s(204) > 10, JSON.stringify(counts.byStatus));
});

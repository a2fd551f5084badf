/**
 * Hostile input against a real API on a real etcd: a seeded run of
 * generated requests (bench/lib/api-fuzz.ts), most of them on the TCP
 * listener that requires tokens (valid ones of each role, expired, revoked,
 * tampered, malformed, none), must never get a 5xx, every 4xx must carry
 * fleet's JSON error body, no rejected request may move the registry, and
 * no request is answered 2xx without a token of a role that may do it. The full >= 100,000-request run is `npm run bench -- api-fuzz`.
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

test('2,000 generated requests with and without tokens: no 5xx, JSON errors, rejected requests change nothing, roles hold', async (t) => {
  const counts = await runFuzz({ target: api!.target, count: 2000, seed: 14, tokens: api!.tokens });
  t.diagnostic(`answers by status: ${JSON.stringify(counts.byStatus)}, raw requests closed unanswered: ${counts.rawClosed}`);
  t.diagnostic(`answers by sender: ${JSON.stringify(counts.byClaim)}`);
  assert.deepEqual(counts.violations.slice(0, 20), []);
  assert.equal(counts.requests, 2000);
  // The run must reach the handlers, not only be refused at the door.
  const s = (code: number): number => counts.byStatus[code] ?? 0;
  assert.ok(s(200) > 100 && s(400) > 100 && s(404) > 100 && s(201) + s(204) >= 3, JSON.stringify(counts.byStatus));
  // Every kind of sender was both let in and turned away, so the role checks were exercised.
  const by = (who: string, cls: string): number => counts.byClaim[who]?.[cls] ?? 0;
  for (const who of ['unix', 'read', 'operate', 'admin']) assert.ok(by(who, '2xx') >= 10, `${who}: ${JSON.stringify(counts.byClaim[who])}`);
  assert.ok(by('nobody', '401') > 50 && by('read', '403') > 20 && by('operate', '403') > 5, JSON.stringify(counts.byClaim));
});

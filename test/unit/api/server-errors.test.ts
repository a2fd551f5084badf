import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ApiLogger } from '../../../src/api/context.js';
import { startHarness } from './harness.js';

test('every 5xx the API returns is logged with its cause (503 while etcd is unreachable)', async () => {
  const lines: Array<{ level: string; obj: Record<string, unknown>; msg: string }> = [];
  const log = (level: string) => (obj: object, msg: string) => void lines.push({ level, obj: obj as Record<string, unknown>, msg });
  const logger: ApiLogger = { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
  const h = await startHarness({ logger });
  try {
    h.registry.kv.setReachable(false);
    const res = await h.request('GET', '/fleet/v1/units/a.service');
    assert.equal(res.status, 503);
    const logged = lines.find((l) => l.level === 'warn' && l.obj.status === 503);
    assert.ok(logged, JSON.stringify(lines.map((l) => [l.level, l.msg])));
    assert.match(logged.msg, /unable to communicate with etcd/);
    assert.ok(logged.obj.err instanceof Error, 'the cause is logged');
    assert.equal(logged.obj.path, '/fleet/v1/units/a.service');
  } finally {
    h.registry.kv.setReachable(true);
    await h.stop();
  }
});

test('every answer carries one HTTP Date header (written by the API, as Node would), for successes and errors alike', async () => {
  const h = await startHarness();
  try {
    for (const [path, status] of [['/fleet/v1/units', 200], ['/fleet/v1/units/nope.service', 404]] as const) {
      const before = Math.floor(Date.now() / 1000) * 1000;
      const res = await h.request('GET', path);
      assert.equal(res.status, status);
      const date = res.headers.date;
      assert.match(date ?? '', /^(Sun|Mon|Tue|Wed|Thu|Fri|Sat), \d\d (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d\d:\d\d:\d\d GMT$/, path);
      const at = Date.parse(date!);
      assert.ok(at >= before && at <= Date.now(), `${date} is now`);
    }
  } finally {
    await h.stop();
  }
});

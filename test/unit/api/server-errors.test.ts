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

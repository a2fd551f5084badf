/**
 * The API's security stages in the real chain: tokens on TCP (api_auth=tcp),
 * the unix socket tokenless, roles per route, bootstrap once and only on the
 * socket, revocation through the token cache, 429 per identity, audit.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { issueToken, RateLimiter, type Role } from '../../../src/auth/index.js';
import { ManualClock, settle } from '../../../src/clock.js';
import { createMemoryRegistry, TokenCache } from '../../../src/registry/index.js';
import { securityStages } from '../../../src/api/security.js';
import type { ApiAuthMode } from '../../../src/fleetd/config-options.js';
import { createFleetMetrics } from '../../../src/metrics/index.js';
import { rawRequest, SERVICE, startHarness, type RawResponse } from './harness.js';
import type { StartApiServerOptions } from '../../../src/api/index.js';
import { writeFileSync } from 'node:fs';

async function secured(auth: ApiAuthMode = 'tcp', rate = { qps: 1000, burst: 1000 }, staticMounts: StartApiServerOptions['staticMounts'] = undefined) {
  const registry = createMemoryRegistry();
  const cache = new TokenCache(registry.tokens);
  cache.start();
  await cache.whenLoaded();
  const clock = new ManualClock(0);
  const logs: Record<string, unknown>[] = [];
  const logger = { debug: () => undefined, info: (o: object) => void logs.push(o as Record<string, unknown>), warn: () => undefined, error: () => undefined };
  const metrics = createFleetMetrics();
  const h = await startHarness({
    registry: registry.api,
    metrics,
    listen: { socket: join(mkdtempSync(join(tmpdir(), 'fleet-sec-')), 'fleet.sock'), tcp: '127.0.0.1:0' },
    tokens: { registry: registry.tokens, now: () => 1_000 },
    chain: securityStages({ auth, tokens: cache, limiter: { limits: rate, buckets: new RateLimiter(rate, clock) }, now: () => 1_000, logger, metrics: metrics.api }),
    ...(staticMounts !== undefined ? { staticMounts } : {}),
  });
  return { h, registry, cache, clock, logs, metrics };
}

function tcp(address: string, method: string, path: string, token?: string, body?: unknown): Promise<RawResponse> {
  const [, host, port] = /^tcp:\/\/(.*):(\d+)$/.exec(address)!;
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const headers: Record<string, string> = { ...(token ? { Authorization: `Bearer ${token}` } : {}), ...(payload ? { 'Content-Type': 'application/json' } : {}) };
    const req = httpRequest({ host, port: Number(port), method, path, headers }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, trailers: {}, text, json: text && /json/.test(String(res.headers['content-type'])) ? JSON.parse(text) : undefined }));
    });
    req.on('error', reject);
    req.end(payload);
  });
}

async function token(registry: ReturnType<typeof createMemoryRegistry>, cache: TokenCache, role: Role, name: string = role): Promise<string> {
  const { record, bearer } = issueToken({ name, role, now: 0 });
  await registry.tokens.createToken(record);
  while (cache.lookup(record.id) === undefined) await settle();
  return bearer;
}

test('TCP with api_auth=tcp: 401 without a token, then each role does exactly its routes', async (t) => {
  const { h, registry, cache } = await secured('tcp', { qps: 1000, burst: 1000 });
  t.after(() => h.stop());
  const tcpAddr = h.server.addresses.find((a) => a.startsWith('tcp://'))!;
  const none = await tcp(tcpAddr, 'GET', '/fleet/v1/units');
  assert.equal(none.status, 401);
  assert.match(String(none.headers['www-authenticate']), /^Bearer realm="fleet"/);
  assert.deepEqual(none.json.error.code, 401);
  const reader = await token(registry, cache, 'read', 'dash');
  const operator = await token(registry, cache, 'operate');
  const admin = await token(registry, cache, 'admin');
  assert.equal((await tcp(tcpAddr, 'GET', '/fleet/v1/units', reader)).status, 200);
  const denied = await tcp(tcpAddr, 'PUT', '/fleet/v1/units/a.service', reader, { name: 'a.service', desiredState: 'inactive', options: SERVICE });
  assert.equal(denied.status, 403);
  assert.match(denied.json.error.message, /needs role operate; token dash \([0-9a-f]{16}\) has role read/);
  assert.equal((await tcp(tcpAddr, 'PUT', '/fleet/v1/units/a.service', operator, { name: 'a.service', desiredState: 'inactive', options: SERVICE })).status, 201);
  assert.equal((await tcp(tcpAddr, 'GET', '/fleet/v1/tokens', operator)).status, 403);
  const made = await tcp(tcpAddr, 'POST', '/fleet/v1/tokens', admin, { name: 'ci', role: 'operate', ttlSeconds: 60 });
  assert.equal(made.status, 201);
  assert.match(made.json.token, /^[0-9a-f]{16}\./);
  const list = await tcp(tcpAddr, 'GET', '/fleet/v1/tokens', admin);
  assert.deepEqual(list.json.tokens.map((x: { name: string }) => x.name), ['admin', 'ci', 'dash', 'operate']);
  assert.ok(!list.text.includes('"token"'), 'lists never carry secrets');
});

test('a revoked token stops working as soon as the cache sees the deletion', async (t) => {
  const { h, registry, cache } = await secured();
  t.after(() => h.stop());
  const tcpAddr = h.server.addresses.find((a) => a.startsWith('tcp://'))!;
  const admin = await token(registry, cache, 'admin');
  const victim = await token(registry, cache, 'read', 'victim');
  assert.equal((await tcp(tcpAddr, 'GET', '/fleet/v1/machines', victim)).status, 200);
  const id = victim.split('.')[0]!;
  assert.equal((await tcp(tcpAddr, 'DELETE', `/fleet/v1/tokens/${id}`, admin)).status, 204);
  while (cache.lookup(id) !== undefined) await settle();
  const after = await tcp(tcpAddr, 'GET', '/fleet/v1/machines', victim);
  assert.equal(after.status, 401);
  assert.match(after.json.error.message, /invalid token/);
  assert.equal((await tcp(tcpAddr, 'DELETE', `/fleet/v1/tokens/${id}`, admin)).status, 404);
});

test('bootstrap: once, only through the unix socket; the socket needs no token under api_auth=tcp', async (t) => {
  const { h, registry, cache } = await secured('all');
  t.after(() => h.stop());
  const socket = h.server.addresses.find((a) => a.startsWith('unix://'))!.slice('unix://'.length);
  assert.equal((await rawRequest(socket, 'GET', '/fleet/v1/units')).status, 401, 'api_auth=all: the socket asks for tokens too');
  const first = await rawRequest(socket, 'POST', '/fleet/v1/auth/bootstrap');
  assert.equal(first.status, 201);
  assert.equal(first.json.role, 'admin');
  const again = await rawRequest(socket, 'POST', '/fleet/v1/auth/bootstrap');
  assert.equal(again.status, 409);
  assert.match(again.json.error.message, /already been bootstrapped/);
  while (cache.size === 0) await settle();
  assert.equal((await rawRequest(socket, 'GET', '/fleet/v1/units', { headers: { Authorization: `Bearer ${first.json.token}` } })).status, 200);
  const tcpAddr = h.server.addresses.find((a) => a.startsWith('tcp://'))!;
  const overTcp = await tcp(tcpAddr, 'POST', '/fleet/v1/auth/bootstrap', first.json.token);
  assert.equal(overTcp.status, 403);
  assert.match(overTcp.json.error.message, /only accepted on a fleetd's local unix socket/);
  assert.equal((await registry.tokens.listTokens()).tokens.length, 1);
});

test('429 with Retry-After per identity; another identity keeps working; mutations are audited', async (t) => {
  const { h, registry, cache, clock, logs, metrics } = await secured('tcp', { qps: 1, burst: 2 });
  t.after(() => h.stop());
  const tcpAddr = h.server.addresses.find((a) => a.startsWith('tcp://'))!;
  const a = await token(registry, cache, 'operate', 'flood');
  const b = await token(registry, cache, 'read', 'calm');
  assert.equal((await tcp(tcpAddr, 'GET', '/fleet/v1/units', a)).status, 200);
  assert.equal((await tcp(tcpAddr, 'DELETE', '/fleet/v1/units/x.service', a)).status, 404);
  const limited = await tcp(tcpAddr, 'GET', '/fleet/v1/units', a);
  assert.equal(limited.status, 429);
  assert.equal(limited.headers['retry-after'], '1');
  assert.match(limited.json.error.message, /1 requests per second \(burst 2\)/);
  assert.equal((await tcp(tcpAddr, 'GET', '/fleet/v1/units', b)).status, 200);
  await clock.advance(1000);
  assert.equal((await tcp(tcpAddr, 'GET', '/fleet/v1/units', a)).status, 200);
  await settle();
  const audits = logs.filter((l) => l['audit'] === true);
  assert.equal(audits.length, 1);
  assert.deepEqual({ ...audits[0], principal: String(audits[0]!['principal']).replace(/[0-9a-f]{16}/, 'ID') }, { audit: true, principal: 'flood/ID', role: 'operate', method: 'DELETE', path: '/fleet/v1/units/x.service', units: ['x.service'], status: 404 });
  assert.match((await metrics.render()).text, /fleet_api_audit_total\{role="operate",outcome="rejected"\} 1/);
});

test('the token-free unix socket is not rate-limited (a bulk local command is not slowed to api_qps); api_auth=all limits it', async (t) => {
  const { h } = await secured('tcp', { qps: 1, burst: 2 });
  t.after(() => h.stop());
  const socket = h.server.addresses.find((a) => a.startsWith('unix://'))!.slice('unix://'.length);
  for (let i = 0; i < 5; i++) assert.equal((await rawRequest(socket, 'GET', '/fleet/v1/units')).status, 200, `request ${i + 1}`);
  const all = await secured('all', { qps: 1, burst: 2 });
  t.after(() => all.h.stop());
  const token = (await rawRequest(all.h.server.addresses.find((a) => a.startsWith('unix://'))!.slice('unix://'.length), 'POST', '/fleet/v1/auth/bootstrap')).json.token as string;
  while (all.cache.size === 0) await settle();
  const s2 = all.h.server.addresses.find((a) => a.startsWith('unix://'))!.slice('unix://'.length);
  const statuses: number[] = [];
  for (let i = 0; i < 4; i++) statuses.push((await rawRequest(s2, 'GET', '/fleet/v1/units', { headers: { Authorization: `Bearer ${token}` } })).status);
  assert.ok(statuses.includes(429), `api_auth=all: the socket's token is limited (${statuses.join(',')})`);
});

test('a public static mount (the dashboard) is served without a token; a private one and the API still ask for it', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'fleet-ui-'));
  writeFileSync(join(dir, 'index.html'), '<p>dashboard</p>');
  const { h, registry, cache } = await secured('all', { qps: 1000, burst: 1000 }, [
    { path: '/ui', dir, public: true },
    { path: '/private', dir },
  ]);
  t.after(() => h.stop());
  const tcpAddr = h.server.addresses.find((a) => a.startsWith('tcp://'))!;
  const page = await tcp(tcpAddr, 'GET', '/ui/');
  assert.equal(page.status, 200);
  assert.equal(page.text, '<p>dashboard</p>');
  assert.equal((await tcp(tcpAddr, 'GET', '/ui/missing.js')).status, 404);
  assert.equal((await tcp(tcpAddr, 'GET', '/private/')).status, 401);
  assert.equal((await tcp(tcpAddr, 'GET', '/fleet/v1/units')).status, 401);
  // api_auth=all: the unix socket asks for a token too, but not for the public mount.
  const socket = h.server.addresses.find((a) => a.startsWith('unix://'))!.slice('unix://'.length);
  assert.equal((await rawRequest(socket, 'GET', '/ui/')).status, 200);
  assert.equal((await rawRequest(socket, 'GET', '/fleet/v1/auth/whoami')).status, 401);
  const reader = await token(registry, cache, 'read', 'viewer');
  assert.equal((await tcp(tcpAddr, 'GET', '/private/', reader)).status, 200);
});

test('GET /auth/whoami names the caller and its role (the dashboard hides what the role may not do)', async (t) => {
  const { h, registry, cache } = await secured('tcp');
  t.after(() => h.stop());
  const tcpAddr = h.server.addresses.find((a) => a.startsWith('tcp://'))!;
  assert.equal((await tcp(tcpAddr, 'GET', '/fleet/v1/auth/whoami')).status, 401);
  const reader = await token(registry, cache, 'read', 'viewer');
  const me = await tcp(tcpAddr, 'GET', '/fleet/v1/auth/whoami', reader);
  assert.equal(me.status, 200);
  assert.deepEqual([me.json.kind, me.json.role, me.json.name], ['token', 'read', 'viewer']);
  assert.match(me.json.id, /^[0-9a-f]{16}$/);
  const socket = h.server.addresses.find((a) => a.startsWith('unix://'))!.slice('unix://'.length);
  const local = await rawRequest(socket, 'GET', '/fleet/v1/auth/whoami');
  assert.deepEqual(local.json, { kind: 'local', role: 'admin', label: 'local', machineId: 'm1' });
  assert.equal((await tcp(tcpAddr, 'POST', '/fleet/v1/auth/whoami', reader)).status, 405);
});

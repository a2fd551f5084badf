/**
 * The middleware chain: one chain per listener, principal by listener
 * (`local` on the unix socket, `anonymous` on TCP), authorisation by the
 * route's role, replaceable security stages, and fleet's error shape for
 * every refusal.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Principal } from '../../../src/auth/index.js';
import { compose, type Middleware, type RequestContext } from '../../../src/api/middleware.js';
import { ApiError } from '../../../src/api/errors.js';
import { json } from '../../../src/api/reply.js';
import { startApiServer, type StartApiServerOptions } from '../../../src/api/server.js';
import { FakeLocalCommands } from '../../../src/api/fake-local-commands.js';
import { createMemoryRegistry } from '../../../src/registry/index.js';
import { VERSION } from '../../../src/version.js';
import { rawRequest, SERVICE, type RawResponse } from './harness.js';

function tcpRequest(address: string, method: string, path: string, body?: unknown): Promise<RawResponse> {
  const url = new URL(address.replace(/^tcp:/, 'http:'));
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = body === undefined ? {} : { 'Content-Type': 'application/json' };
    const req = httpRequest({ host: url.hostname, port: Number(url.port), method, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, headers: res.headers, trailers: res.trailers, text, json: text === '' ? undefined : JSON.parse(text) });
      });
    });
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

async function start(t: { after(fn: () => Promise<void> | void): void }, extra: Partial<StartApiServerOptions> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'fleet-chain-'));
  const socket = join(dir, 'fleet.sock');
  const registry = createMemoryRegistry();
  const server = await startApiServer({ registry: registry.api, machineId: 'm1', commands: new FakeLocalCommands(), listen: { socket, tcp: '127.0.0.1:0' }, ...extra });
  t.after(async () => {
    await server.close();
    await registry.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const tcp = server.addresses.find((a) => a.startsWith('tcp://'))!;
  return {
    unix: (method: string, path: string, body?: unknown) =>
      rawRequest(socket, method, path, body === undefined ? {} : { body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } }),
    tcp: (method: string, path: string, body?: unknown) => tcpRequest(tcp, method, path, body),
  };
}

test('compose runs stages in order, each around the rest', async () => {
  const trace: string[] = [];
  const stage = (name: string): Middleware => async (_rc, next) => {
    trace.push(`>${name}`);
    const r = await next();
    trace.push(`<${name}`);
    return r;
  };
  const run = compose([stage('a'), stage('b')], async () => {
    trace.push('handler');
    return json(200, {});
  });
  await run({} as RequestContext);
  assert.deepEqual(trace, ['>a', '>b', 'handler', '<b', '<a']);
});

test('the principal is local on the unix socket and anonymous on TCP; both keep every right by default', async (t) => {
  const seen: string[] = [];
  const api = await start(t, {
    chain: (listener) => ({
      rateLimit: async (rc, next) => {
        seen.push(`${listener.kind} ${rc.principal?.kind} ${rc.route.resource}`);
        return next();
      },
    }),
  });
  assert.equal((await api.unix('PUT', '/fleet/v1/units/a.service', { desiredState: 'loaded', options: SERVICE })).status, 201);
  assert.equal((await api.tcp('PUT', '/fleet/v1/units/b.service', { desiredState: 'loaded', options: SERVICE })).status, 201);
  assert.equal((await api.tcp('PATCH', '/fleet/v1/machines', [])).status, 204);
  assert.deepEqual(seen, ['unix local unit', 'tcp anonymous unit', 'tcp anonymous machines']);
});

test('authorisation by route: a read-only principal may GET but not change units or machine metadata (403, fleet\'s error shape)', async (t) => {
  const reader: Principal = { kind: 'token', id: 't1', name: 'viewer', role: 'read' };
  const operator: Principal = { kind: 'token', id: 't2', name: 'ops', role: 'operate' };
  const api = await start(t, {
    chain: (listener) => ({
      authenticate: async (rc, next) => {
        rc.principal = listener.kind === 'tcp' ? reader : operator;
        return next();
      },
    }),
  });
  assert.equal((await api.tcp('GET', '/fleet/v1/units')).status, 200);
  const put = await api.tcp('PUT', '/fleet/v1/units/a.service', { desiredState: 'loaded', options: SERVICE });
  assert.equal(put.status, 403);
  assert.deepEqual(put.json, { error: { code: 403, message: 'permission denied: this request needs role operate; this identity has role read' } });
  assert.equal(put.headers['server'], `fleetd/${VERSION}`);
  assert.equal((await api.unix('PUT', '/fleet/v1/units/a.service', { desiredState: 'loaded', options: SERVICE })).status, 201, 'operate may change units');
  assert.equal((await api.unix('PATCH', '/fleet/v1/machines', [])).status, 403, 'machine metadata needs admin');
  assert.equal((await api.tcp('DELETE', '/fleet/v1/units/a.service')).status, 403);
  assert.equal((await api.unix('GET', '/fleet/v1/units/a.service')).json.desiredState, 'loaded', 'nothing was changed by the refused requests');
});

test('a stage refusal (401 with headers, 429) is answered in fleet\'s shape and counted; the handler never runs', async (t) => {
  let handled = 0;
  const api = await start(t, {
    chain: (listener) =>
      listener.kind === 'tcp'
        ? {
            authenticate: async () => {
              throw new ApiError(401, 'authentication required', { 'WWW-Authenticate': 'Bearer realm="fleet"' });
            },
          }
        : {
            rateLimit: async (rc, next) => {
              if (rc.request.method === 'PUT') throw new ApiError(429, 'too many requests', { 'Retry-After': '1' });
              handled++;
              return next();
            },
          },
  });
  const unauth = await api.tcp('GET', '/fleet/v1/units');
  assert.equal(unauth.status, 401);
  assert.equal(unauth.headers['www-authenticate'], 'Bearer realm="fleet"');
  assert.deepEqual(unauth.json, { error: { code: 401, message: 'authentication required' } });
  const limited = await api.unix('PUT', '/fleet/v1/units/a.service', { desiredState: 'loaded', options: SERVICE });
  assert.equal(limited.status, 429);
  assert.equal(limited.headers['retry-after'], '1');
  assert.equal((await api.unix('GET', '/fleet/v1/units/a.service')).status, 404, 'the refused PUT wrote nothing');
  const m = await api.unix('GET', '/metrics');
  assert.ok(m.text.includes('fleet_api_request_count_total{method="GET",resource="units",code="401"} 1'), m.text);
  assert.ok(m.text.includes('fleet_api_request_count_total{method="PUT",resource="unit",code="429"} 1'));
  assert.equal(handled, 2);
});

/** fleetctl's side of API security: the token header, waiting on 429, cross-host credentials, the token commands. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseApiEndpoint } from '../../../fleetctl/client/endpoint.js';
import { ApiError } from '../../../fleetctl/client/errors.js';
import { HttpFleetClient } from '../../../fleetctl/client/http-client.js';
import { retryDelayMs, type RateLimitRetry } from '../../../fleetctl/client/http-transport.js';
import { RegistryFleetClient } from '../../../fleetctl/client/registry-client.js';
import { runCli } from '../../../fleetctl/cli/program.js';
import { bufferOutput } from '../../../fleetctl/output/io.js';
import { createMemoryRegistry } from '../../../src/registry/index.js';
import { checkBearer } from '../../../src/auth/index.js';
import { json, startStub, streamWithTrailer } from './support/stub-server.js';

const SECRET = `0123456789abcdef.${'s'.repeat(43)}`;

function recordingRetry(): RateLimitRetry & { waits: number[]; lines: string[] } {
  const waits: number[] = [];
  const lines: string[] = [];
  return { attempts: 3, maxDelayMs: 5000, notify: (l) => lines.push(l), sleep: async (ms) => void waits.push(ms), waits, lines };
}

test('the token goes in Authorization: Bearer on every request, streams to other machines included', async (t) => {
  const seen: (string | undefined)[] = [];
  const remote = await startStub('unix', {
    'GET /fleet/v1/units/a.service/status': (req, res) => {
      seen.push(`remote ${req.headers.authorization}`);
      streamWithTrailer(res, ['ok\n'], 0);
    },
  });
  const local = await startStub('unix', {
    'GET /fleet/v1/units': (req, res) => {
      seen.push(req.headers.authorization);
      json(res, 200, {});
    },
    'GET /fleet/v1/units/a.service/status': (req, res) => {
      seen.push(req.headers.authorization);
      res.writeHead(409, { 'Content-Type': 'application/json', 'X-Fleet-Machine-ID': 'm2' });
      res.end('{"error":{"code":409,"message":"elsewhere"}}');
    },
    'GET /fleet/v1/machines': (_req, res) => json(res, 200, { machines: [{ id: 'm2', apiEndpoint: remote.endpoint }] }),
  });
  t.after(() => Promise.all([local.close(), remote.close()]));
  const client = new HttpFleetClient({ endpoint: parseApiEndpoint(local.endpoint).endpoint, idleTimeoutMs: 2000, token: SECRET });
  await client.listUnits();
  const out: string[] = [];
  assert.equal(await client.status('a.service', { write: (c) => void out.push(String(c)) }), 0);
  assert.deepEqual(seen, [`Bearer ${SECRET}`, `Bearer ${SECRET}`, `remote Bearer ${SECRET}`]);
  assert.deepEqual(out, ['ok\n']);
});

test('a 429 is waited out as Retry-After says, and the wait is announced', async (t) => {
  let calls = 0;
  const stub = await startStub('unix', {
    'GET /fleet/v1/machines': (_req, res) => {
      if (++calls <= 2) {
        res.writeHead(429, { 'Content-Type': 'application/json', 'Retry-After': '2' });
        res.end('{"error":{"code":429,"message":"too many requests"}}');
      } else json(res, 200, { machines: [{ id: 'm1' }] });
    },
  });
  t.after(() => stub.close());
  const retry = recordingRetry();
  const client = new HttpFleetClient({ endpoint: parseApiEndpoint(stub.endpoint).endpoint, idleTimeoutMs: 2000, rateLimit: retry });
  assert.deepEqual(await client.listMachines(), [{ id: 'm1', metadata: {} }]);
  assert.deepEqual(retry.waits, [2000, 2000]);
  assert.equal(retry.lines.length, 2);
  assert.match(retry.lines[0]!, /rate-limiting this identity \(429\); waiting 2 s before retrying \(retry 1 of 3\)/);
});

test('retries are bounded: after the last one the 429 is the answer', async (t) => {
  const stub = await startStub('unix', {
    'DELETE /fleet/v1/units/a.service': (_req, res) => {
      res.writeHead(429, { 'Content-Type': 'application/json', 'Retry-After': '60' });
      res.end('{"error":{"code":429,"message":"too many requests: slow down"}}');
    },
  });
  t.after(() => stub.close());
  const retry = recordingRetry();
  const client = new HttpFleetClient({ endpoint: parseApiEndpoint(stub.endpoint).endpoint, idleTimeoutMs: 2000, rateLimit: retry });
  await assert.rejects(client.destroyUnit('a.service'), (err: unknown) => err instanceof ApiError && err.status === 429 && /slow down/.test(err.message));
  assert.deepEqual(retry.waits, [5000, 5000, 5000], 'Retry-After is cut to maxDelayMs');
  assert.equal(stub.requests.length, 4);
});

test('retryDelayMs: seconds, HTTP dates, fallback doubling, bounds', () => {
  assert.equal(retryDelayMs('3', 0, 30_000), 3000);
  assert.equal(retryDelayMs(undefined, 0, 30_000), 1000);
  assert.equal(retryDelayMs(undefined, 3, 30_000), 8000);
  assert.equal(retryDelayMs('0', 0, 30_000), 100);
  assert.equal(retryDelayMs('999', 0, 30_000), 30_000);
  assert.equal(retryDelayMs(new Date(10_000).toUTCString(), 0, 30_000, 5_000), 5000);
});

test('token commands over the registry driver: create prints the secret once, list never shows it, revoke', async () => {
  const registry = createMemoryRegistry();
  const client = new RegistryFleetClient(registry.api, { tokens: registry.tokens });
  const run = async (...argv: string[]) => {
    const out = bufferOutput();
    const code = await runCli(argv, { out, env: {}, createClient: () => client });
    return { code, stdout: out.out(), stderr: out.err() };
  };
  const created = await run('token', 'create', '--name', 'ci', '--role', 'operate', '--ttl', '30d');
  assert.equal(created.code, 0, created.stderr);
  const bearer = created.stdout.trim();
  const { tokens } = await registry.tokens.listTokens();
  assert.equal(tokens.length, 1);
  assert.equal(checkBearer(bearer, (id) => tokens.find((t) => t.id === id), Date.now()).ok, true);
  assert.match(created.stderr, /Created operate token [0-9a-f]{16} \(ci\), expires \d{4}-.*shown only this once/);

  const listed = await run('token', 'list');
  assert.equal(listed.code, 0);
  assert.match(listed.stdout, /^ID\t+NAME\tROLE\t+CREATED\t+EXPIRES\n[0-9a-f]{16}\tci\toperate\t/);
  assert.ok(!listed.stdout.includes(bearer.split('.')[1]!));
  const asJson = JSON.parse((await run('token', 'list', '-o', 'json')).stdout);
  assert.deepEqual(Object.keys(asJson[0]).sort(), ['createdAt', 'expiresAt', 'id', 'name', 'role']);

  assert.equal((await run('token', 'revoke', tokens[0]!.id)).code, 0);
  assert.deepEqual((await registry.tokens.listTokens()).tokens, []);
  const again = await run('token', 'revoke', tokens[0]!.id);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /Error revoking token [0-9a-f]{16}: token does not exist/);

  const bad = await run('token', 'create', '--name', 'x', '--role', 'root');
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /unknown role "root"/);
  assert.match((await run('token', 'create', '--role', 'read')).stderr, /needs --name and --role/);
  assert.match((await run('token', 'frobnicate')).stderr, /Usage: fleetctl token create/);
  const boot = await run('auth', 'bootstrap');
  assert.equal(boot.code, 1);
  assert.match(boot.stderr, /only through a fleetd's local unix socket/);
});

test('--token and FLEETCTL_TOKEN reach the client; the token is never echoed', async () => {
  const seen: string[] = [];
  const out = bufferOutput();
  const code = await runCli(['--debug', '--token', SECRET, 'list-machines'], {
    out,
    env: {},
    createClient: (g) => {
      seen.push(g.token);
      return new RegistryFleetClient(createMemoryRegistry().api);
    },
  });
  assert.equal(code, 0);
  await runCli(['list-machines'], { out, env: { FLEETCTL_TOKEN: SECRET }, createClient: (g) => (seen.push(g.token), new RegistryFleetClient(createMemoryRegistry().api)) });
  assert.deepEqual(seen, [SECRET, SECRET]);
  assert.ok(!out.err().includes(SECRET) && !out.out().includes(SECRET));
});

/**
 * API security end to end: real etcd, real systemd sandbox hosts, real
 * fleetd with tokens required on TLS listeners (host 0: TLS, host 1: mutual
 * TLS, certificates generated here), driven through the real fleetctl
 * binary: commands x roles, 401/403/429 answers, revocation seen by every
 * fleetd, TLS/mTLS failures, and fleetd's startup refusals.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SandboxCluster, type ClusterHost } from '../../src/sandbox/cluster.js';
import { freePort } from '../../src/sandbox/etcd.js';
import { isRole, roleAllows, type Role } from '../../src/auth/index.js';
import { generateTestCerts, type TestCerts } from '../support/test-certs.js';
import { runFleetctl, type FleetctlRun } from '../support/run-fleetctl.js';
import { waitFor } from '../support/wait.js';

let c: SandboxCluster;
let dir: string;
let certs: TestCerts;
const ports: number[] = [];
const hostEnv: Record<string, string>[] = [];
/** The bootstrap admin token and one token per role, created through fleetctl. */
const tokens = new Map<string, { id: string; secret: string; name: string }>();

const endpointOf = (i: number): string => `https://127.0.0.${i + 2}:${ports[i]}`;
const secretOf = (who: string): string => (who === 'none' ? '' : who === 'bad' ? `0123456789abcdef.${'x'.repeat(43)}` : tokens.get(who)!.secret);

interface Call {
  /** Host index (default 0) or a full endpoint. */
  readonly at?: number | string;
  /** `none`, `bad`, a role, or another key of `tokens`. */
  readonly as?: string;
  /** Send --ca-file/--cert-file/--key-file (default: CA and the good client certificate). */
  readonly tls?: readonly string[];
  readonly timeoutMs?: number;
}

function fleetctl(args: readonly string[], call: Call = {}): Promise<FleetctlRun> {
  const at = call.at ?? 0;
  const endpoint = typeof at === 'number' ? endpointOf(at) : at;
  const tls = call.tls ?? ['--ca-file', certs.caCert, '--cert-file', certs.clientCert, '--key-file', certs.clientKey];
  return runFleetctl(['--endpoint', endpoint, ...tls, ...args], { cwd: dir, timeoutMs: call.timeoutMs ?? 60_000, env: { FLEETCTL_TOKEN: secretOf(call.as ?? 'none') } });
}

/** fleetctl through host `i`'s unix socket (token-free). */
const local = (args: readonly string[], i = 0): Promise<FleetctlRun> =>
  runFleetctl(['--endpoint', `unix://${c.hosts[i]!.apiSocket}`, ...args], { cwd: dir, timeoutMs: 60_000, env: { FLEETCTL_TOKEN: '' } });

interface RawAnswer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: unknown;
}

/** One HTTPS request to host `i` with the CA and (unless `cert` is false) the client certificate. */
function raw(i: number, method: string, path: string, opts: { token?: string; body?: unknown; cert?: boolean } = {}): Promise<RawAnswer> {
  const payload = opts.body === undefined ? undefined : JSON.stringify(opts.body);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: `127.0.0.${i + 2}`,
        port: ports[i],
        method,
        path,
        agent: false,
        ca: readPem(certs.caCert),
        ...(opts.cert === false ? {} : { cert: readPem(certs.clientCert), key: readPem(certs.clientKey) }),
        headers: {
          ...(opts.token !== undefined ? { Authorization: `Bearer ${opts.token}` } : {}),
          ...(payload !== undefined ? { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(payload)) } : {}),
        },
      },
      (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => {
          let body: unknown = text;
          try {
            body = JSON.parse(text);
          } catch {
            // not JSON: keep the text
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body });
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

const readPem = (path: string): string => readFileSync(path, 'utf8');

/** Parses `fleetctl token create`'s output: the secret on stdout, `Created <role> token <id> (<name>)` on stderr. */
function created(run: FleetctlRun): { id: string; secret: string; name: string } {
  assert.equal(run.code, 0, run.err);
  const m = /^Created \w+ token ([0-9a-f]+) \(([^)]+)\)/.exec(run.err);
  assert.ok(m, run.err);
  return { id: m[1]!, name: m[2]!, secret: run.out.trim() };
}

async function startHost(env: Record<string, string>): Promise<ClusterHost> {
  hostEnv.push(env);
  return c.addHost(env);
}

const unitFile = (name: string, extra = ''): void => writeFileSync(join(dir, name), `[Service]\nExecStart=/bin/sleep 100000\n${extra}`);

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fleet-secure-e2e-'));
  certs = generateTestCerts(dir, ['127.0.0.2', '127.0.0.3']);
  ports.push(await freePort());
  let p = await freePort();
  while (p === ports[0]) p = await freePort();
  ports.push(p);
  const tls = { FLEET_API_CERT_FILE: certs.serverCert, FLEET_API_KEY_FILE: certs.serverKey };
  c = await SandboxCluster.start({ hosts: 0, label: 'sec' });
  await startHost({ FLEET_API_LISTEN: `127.0.0.2:${ports[0]}`, ...tls });
  await startHost({ FLEET_API_LISTEN: `127.0.0.3:${ports[1]}`, ...tls, FLEET_API_CLIENT_CA_FILE: certs.clientCaCert });
  await waitFor('machines registered', async () => (await c.registry.api.listMachines()).length === 2, 30_000);
  // Both TLS listeners answer (a token-free request is refused, but answered).
  for (const i of [0, 1]) await waitFor(`host ${i} TLS listener`, async () => (await raw(i, 'GET', '/fleet/v1/machines').catch(() => undefined))?.status === 401, 30_000);

  const boot = await local(['auth', 'bootstrap']);
  assert.equal(boot.code, 0, boot.err);
  tokens.set('admin', { id: /token ([0-9a-f]+)/.exec(boot.err)![1]!, secret: boot.out.trim(), name: 'bootstrap' });
  for (const role of ['read', 'operate'] as const) tokens.set(role, created(await fleetctl(['token', 'create', '--name', `e2e-${role}`, '--role', role], { as: 'admin' })));

  unitFile('shared.service', `\n[X-Fleet]\nMachineID=${c.hosts[1]!.machineId}\n`);
  const start = await local(['start', 'shared.service']);
  assert.equal(start.code, 0, start.err);
});

after(async () => {
  await c?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('refusals on a TLS listener that requires tokens', () => {
  test('no token: 401 with WWW-Authenticate: Bearer, in fleet\'s error shape, on every host', async () => {
    for (const i of [0, 1]) {
      const r = await raw(i, 'GET', '/fleet/v1/units');
      assert.equal(r.status, 401);
      assert.equal(r.headers['www-authenticate'], 'Bearer realm="fleet"');
      assert.deepEqual(r.body, { error: { code: 401, message: 'authentication required: send Authorization: Bearer <token> (fleetctl --token or FLEETCTL_TOKEN)' } });
    }
  });

  test('a wrong token and a malformed header: 401 with the Bearer error', async () => {
    const wrong = await raw(0, 'GET', '/fleet/v1/units', { token: secretOf('bad') });
    assert.equal(wrong.status, 401);
    assert.equal(wrong.headers['www-authenticate'], 'Bearer realm="fleet", error="invalid_token"');
    assert.deepEqual(wrong.body, { error: { code: 401, message: 'invalid token (unknown, revoked or malformed)' } });
    const other = await raw(1, 'GET', '/fleet/v1/units', { token: `${tokens.get('read')!.secret.slice(0, 17)}${'y'.repeat(43)}` });
    assert.equal(other.status, 401, 'right id, wrong secret');
  });

  test('a role too weak: 403 naming the role needed and the token\'s role; nothing written', async () => {
    const read = tokens.get('read')!;
    const r = await raw(0, 'PUT', '/fleet/v1/units/denied.service', { token: read.secret, body: { desiredState: 'launched', options: [{ section: 'Service', name: 'ExecStart', value: '/bin/true' }] } });
    assert.equal(r.status, 403);
    assert.deepEqual(r.body, { error: { code: 403, message: `permission denied: this request needs role operate; token ${read.name} (${read.id}) has role read` } });
    assert.equal(r.headers['www-authenticate'], undefined);
    assert.equal(await c.registry.api.getUnit('denied.service'), undefined);
    const op = tokens.get('operate')!;
    const t = await raw(1, 'GET', '/fleet/v1/tokens', { token: op.secret });
    assert.deepEqual(t.body, { error: { code: 403, message: `permission denied: this request needs role admin; token ${op.name} (${op.id}) has role operate` } });
  });
});

/** One command of the table: what it needs, the unit state it must find, and its arguments. */
interface Row {
  readonly needs: Role;
  /** State the row's own unit is put in (through the unix socket) before the run; undefined = no unit. */
  readonly prepare?: 'absent' | 'inactive' | 'loaded' | 'launched';
  readonly args: (unit: string, who: string) => string[];
}

const ROWS: Readonly<Record<string, Row>> = {
  'list-units': { needs: 'read', args: () => ['list-units', '--no-legend'] },
  'list-machines': { needs: 'read', args: () => ['list-machines', '--no-legend'] },
  'list-unit-files': { needs: 'read', args: () => ['list-unit-files', '--no-legend'] },
  cat: { needs: 'read', args: () => ['cat', 'shared.service'] },
  // shared.service runs on host 1 (mutual TLS): fleetctl follows its advertised https endpoint with the same token and files.
  status: { needs: 'read', args: () => ['status', 'shared.service'] },
  journal: { needs: 'read', args: () => ['journal', '-n', '1', 'shared.service'] },
  explain: { needs: 'read', args: () => ['explain', 'shared.service'] },
  policy: { needs: 'read', args: () => ['policy'] },
  submit: { needs: 'operate', prepare: 'absent', args: (u) => ['submit', u] },
  load: { needs: 'operate', prepare: 'inactive', args: (u) => ['load', '--no-block', u] },
  start: { needs: 'operate', prepare: 'loaded', args: (u) => ['start', '--no-block', u] },
  stop: { needs: 'operate', prepare: 'launched', args: (u) => ['stop', '--no-block', u] },
  unload: { needs: 'operate', prepare: 'loaded', args: (u) => ['unload', '--no-block', u] },
  restart: { needs: 'operate', prepare: 'launched', args: (u) => ['restart', u] },
  destroy: { needs: 'operate', prepare: 'inactive', args: (u) => ['destroy', '--no-block', u] },
  'token list': { needs: 'admin', args: () => ['token', 'list'] },
  'token create': { needs: 'admin', args: (_u, who) => ['token', 'create', '--name', `made-by-${who}`, '--role', 'read'] },
  'token revoke': { needs: 'admin', args: (_u, who) => ['token', 'revoke', tokens.get(`victim-${who}`)!.id] },
  'policy set': { needs: 'admin', args: () => ['policy', 'set', 'policy.json'] },
};
const WHO = ['none', 'bad', 'read', 'operate', 'admin'] as const;
const unitName = (row: string, who: string): string => `${row.replace(/ /g, '-')}-${who}.service`;

/** The message a refused cell prints (the API's, through fleetctl). */
function refusal(who: string, needs: Role): RegExp {
  if (who === 'none') return /authentication required: send Authorization: Bearer <token>/;
  if (who === 'bad') return /invalid token \(unknown, revoked or malformed\)/;
  const t = tokens.get(who)!;
  return new RegExp(`permission denied: this request needs role ${needs}; token ${t.name} \\(${t.id}\\) has role ${who}`);
}

test('commands x roles through the fleetctl binary: each role does exactly what it may, refusals change nothing', async (t) => {
  writeFileSync(join(dir, 'policy.json'), '{"strategy":"spread"}\n');
  // Every cell gets its own unit in the state its command needs, set through the (token-free) unix socket.
  const byState = new Map<string, string[]>();
  for (const [row, spec] of Object.entries(ROWS)) {
    if (spec.prepare === undefined) continue;
    for (const who of WHO) {
      const u = unitName(row, who);
      unitFile(u);
      if (spec.prepare !== 'absent') byState.set(spec.prepare, [...(byState.get(spec.prepare) ?? []), u]);
    }
  }
  for (const [state, units] of byState) {
    const verb = state === 'inactive' ? ['submit'] : state === 'loaded' ? ['load', '--no-block'] : ['start'];
    const r = await local([...verb, ...units]);
    assert.equal(r.code, 0, r.err);
  }
  for (const who of WHO) if (who !== 'none' && who !== 'bad') tokens.set(`victim-${who}`, created(await local(['token', 'create', '--name', `victim-${who}`, '--role', 'read'])));
  for (const who of ['none', 'bad']) tokens.set(`victim-${who}`, tokens.get('victim-read')!);

  const failures: string[] = [];
  const cells = Object.entries(ROWS).flatMap(([row, spec]) => WHO.map((who) => ({ row, spec, who })));
  // Every cell has its own unit and token, so three run at once (each is a fleetctl process).
  const next = (): { row: string; spec: Row; who: (typeof WHO)[number] } | undefined => cells.shift();
  await Promise.all([0, 1, 2].map(async () => {
    for (let cell = next(); cell !== undefined; cell = next()) {
      const { row, spec, who } = cell;
      const unit = unitName(row, who);
      const before = spec.prepare === undefined ? undefined : await c.registry.api.getUnit(unit);
      const r = await fleetctl(spec.args(unit, who), { as: who });
      const allowed = isRole(who) && roleAllows(who, spec.needs);
      const what = `${row} as ${who}: exit ${r.code}`;
      if (allowed) {
        if (r.code !== 0 || /denied|authentication required|invalid token/.test(r.err)) failures.push(`${what}, expected 0: ${r.err.trim()}`);
      } else {
        if (r.code !== 1 || !refusal(who, spec.needs).test(r.err)) failures.push(`${what}, expected 1 naming ${refusal(who, spec.needs)}: ${r.err.trim()}`);
        const after = spec.prepare === undefined ? undefined : await c.registry.api.getUnit(unit);
        if (after?.desired !== before?.desired) failures.push(`${row} as ${who}: the refused command changed ${unit} from ${before?.desired} to ${after?.desired}`);
      }
      t.diagnostic(`${row.padEnd(16)} ${who.padEnd(8)} exit ${r.code}`);
    }
  }));
  assert.deepEqual(failures, []);
  // The cells that were allowed really acted.
  assert.equal((await c.registry.api.getUnit(unitName('start', 'operate')))?.desired, 'launched');
  assert.equal((await c.registry.api.getUnit(unitName('destroy', 'admin'))), undefined);
  const list = await fleetctl(['token', 'list', '-o', 'json'], { as: 'admin' });
  const names = (JSON.parse(list.out) as Array<{ name: string }>).map((x) => x.name);
  assert.ok(names.includes('made-by-admin') && !names.includes('made-by-operate') && !names.includes('victim-admin') && names.includes('victim-operate'), names.join(','));
});

test('a token revoked through one fleetd stops working on every fleetd at once', async (t) => {
  const victim = created(await fleetctl(['token', 'create', '--name', 'short-lived', '--role', 'read'], { as: 'admin' }));
  for (const i of [0, 1]) assert.equal((await raw(i, 'GET', '/fleet/v1/machines', { token: victim.secret })).status, 200);
  const revoked = await raw(1, 'DELETE', `/fleet/v1/tokens/${victim.id}`, { token: tokens.get('admin')!.secret });
  assert.ok(revoked.status < 300, JSON.stringify(revoked.body));
  const t0 = performance.now();
  const seenAfter: number[] = [];
  await Promise.all(
    [0, 1].map(async (i) => {
      await waitFor(`host ${i} refuses the revoked token`, async () => (await raw(i, 'GET', '/fleet/v1/machines', { token: victim.secret })).status === 401, 10_000, 5);
      seenAfter[i] = performance.now() - t0;
    }),
  );
  t.diagnostic(`revoked through host 1; refused on host 0 after ${seenAfter[0]!.toFixed(0)} ms, on host 1 after ${seenAfter[1]!.toFixed(0)} ms`);
  const r = await fleetctl(['list-units'], { as: 'read' });
  assert.equal(r.code, 0, 'other tokens keep working');
  tokens.set('revoked', victim);
  const gone = await fleetctl(['list-units'], { as: 'revoked' });
  assert.equal(gone.code, 1);
  assert.match(gone.err, /invalid token \(unknown, revoked or malformed\)/);
});

describe('TLS and mutual TLS with generated certificates', () => {
  test('TLS: the server certificate is verified against --ca-file', async () => {
    const noCa = await fleetctl(['list-machines'], { as: 'read', tls: [] });
    assert.equal(noCa.code, 1);
    assert.match(noCa.err, /unable to reach the fleet API at https:\/\/127\.0\.0\.2:\d+: (UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_GET_ISSUER_CERT_LOCALLY)/);
    const wrongCa = await fleetctl(['list-machines'], { as: 'read', tls: ['--ca-file', certs.clientCaCert] });
    assert.equal(wrongCa.code, 1);
    assert.match(wrongCa.err, /unable to reach the fleet API/);
    const ok = await fleetctl(['list-machines', '--no-legend'], { as: 'read', tls: ['--ca-file', certs.caCert] });
    assert.equal(ok.code, 0, ok.err);
    assert.equal(ok.out.trim().split('\n').length, 2);
    const plain = await fleetctl(['list-machines'], { as: 'read', at: `http://127.0.0.2:${ports[0]}`, tls: [] });
    assert.equal(plain.code, 1, 'plain HTTP to the TLS port is not answered');
  });

  test('mutual TLS: no client certificate or one from another CA is refused in the handshake; the right one works, and a token is still required', async () => {
    const noCert = await fleetctl(['list-machines'], { at: 1, as: 'read', tls: ['--ca-file', certs.caCert] });
    assert.equal(noCert.code, 1);
    assert.match(noCert.err, /unable to reach the fleet API at https:\/\/127\.0\.0\.3:\d+/);
    const rogue = await fleetctl(['list-machines'], { at: 1, as: 'read', tls: ['--ca-file', certs.caCert, '--cert-file', certs.rogueCert, '--key-file', certs.rogueKey] });
    assert.equal(rogue.code, 1);
    assert.match(rogue.err, /unable to reach the fleet API at https:\/\/127\.0\.0\.3:\d+/);
    const ok = await fleetctl(['list-machines', '--no-legend'], { at: 1, as: 'read' });
    assert.equal(ok.code, 0, ok.err);
    const certButNoToken = await fleetctl(['list-machines'], { at: 1 });
    assert.equal(certButNoToken.code, 1);
    assert.match(certButNoToken.err, /authentication required/);
  });

  test('cross-host status needs the client certificate for the unit\'s machine too, and says which machine it could not reach', async () => {
    const r = await fleetctl(['status', 'shared.service'], { as: 'read', tls: ['--ca-file', certs.caCert] });
    assert.equal(r.code, 1);
    assert.match(r.err, new RegExp(`runs on machine ${c.hosts[1]!.machineId}, and no API endpoint of that machine is reachable`));
  });
});

test('429 through the fleetctl binary: a start of many units waits out the limit, says so, and completes', async (t) => {
  const h = c.hosts[0]!;
  await c.stopFleetd(h, 'SIGKILL');
  c.startFleetd(h, { ...hostEnv[0]!, FLEET_API_QPS: '2', FLEET_API_BURST: '4' });
  await waitFor('host 0 answers again', async () => (await raw(0, 'GET', '/fleet/v1/machines').catch(() => undefined))?.status === 401, 30_000, 100);

  const reader = tokens.get('read')!.secret;
  const answers = [];
  for (let i = 0; i < 8; i++) answers.push(await raw(0, 'GET', '/fleet/v1/machines', { token: reader }));
  const limited = answers.filter((a) => a.status === 429);
  assert.ok(limited.length > 0, `8 requests at burst 4 saw ${answers.map((a) => a.status).join(',')}`);
  assert.match(String(limited[0]!.headers['retry-after']), /^[1-9]\d*$/);
  assert.deepEqual(limited[0]!.body, { error: { code: 429, message: 'too many requests: this identity may send 2 requests per second (burst 4); retry after 1 s' } });
  assert.equal((await raw(0, 'GET', '/fleet/v1/machines', { token: tokens.get('operate')!.secret })).status, 200, 'another identity has its own bucket');

  const units = Array.from({ length: 8 }, (_, i) => `rate-${i}.service`);
  units.forEach((u) => unitFile(u));
  const started = performance.now();
  const r = await fleetctl(['start', ...units], { as: 'operate', timeoutMs: 180_000 });
  t.diagnostic(`start of 8 units at api_qps=2 took ${((performance.now() - started) / 1000).toFixed(1)} s`);
  assert.equal(r.code, 0, r.err);
  assert.match(r.err, /fleetctl: the fleet API is rate-limiting this identity \(429\); waiting \d+(\.\d)? s before retrying \(retry \d+ of 20\)/);
  for (const u of units) assert.match(r.out, new RegExp(`Unit ${u.replace('.', '\\.')} launched on `));
});

describe('startup refusals of a real fleetd', () => {
  /** Starts fleetd on host 1 with `env` over its own (less `drop`) and waits for it to exit. */
  async function refused(env: Record<string, string>, drop: readonly string[] = []): Promise<{ code: number | null; log: string }> {
    const h = c.hosts[1]!;
    await c.stopFleetd(h, 'SIGKILL');
    const logBefore = c.logs(h).length;
    const base = Object.fromEntries(Object.entries(hostEnv[1]!).filter(([k]) => !drop.includes(k)));
    const p = c.startFleetd(h, { ...base, ...env });
    const code = await new Promise<number | null>((resolve) => {
      const timer = setTimeout(() => p.kill('SIGKILL'), 30_000);
      p.once('exit', (code) => {
        clearTimeout(timer);
        resolve(code);
      });
    });
    return { code, log: c.logs(h).slice(logBefore) };
  }

  test('a listener other hosts can reach without tokens, or over plain HTTP, or TLS files that cannot be used', async () => {
    const noAuth = await refused({ FLEET_API_LISTEN: `0.0.0.0:${ports[1]}`, FLEET_API_AUTH: 'off' });
    assert.equal(noAuth.code, 1);
    assert.match(noAuth.log, /invalid value for api_auth .*api_listen 0\.0\.0\.0:\d+ is reachable from other hosts but api_auth=off.*Set api_auth=tcp \(or all\) and create tokens \(fleetctl auth bootstrap\), or bind api_listen to 127\.0\.0\.1/);

    const plain = await refused({ FLEET_API_LISTEN: `0.0.0.0:${ports[1]}` }, ['FLEET_API_CERT_FILE', 'FLEET_API_KEY_FILE', 'FLEET_API_CLIENT_CA_FILE']);
    assert.equal(plain.code, 1);
    assert.match(plain.log, /invalid value for api_listen .*over plain HTTP: set api_cert_file and api_key_file to serve TLS, or api_insecure=true to accept clear text, or bind api_listen to 127\.0\.0\.1/);

    const missing = await refused({ FLEET_API_CERT_FILE: join(dir, 'nonexistent.pem') });
    assert.equal(missing.code, 1);
    assert.match(missing.log, /invalid value for api_cert_file .*nonexistent\.pem cannot be read/);

    writeFileSync(join(dir, 'garbage.pem'), 'not a certificate\n');
    const garbage = await refused({ FLEET_API_CLIENT_CA_FILE: join(dir, 'garbage.pem') });
    assert.equal(garbage.code, 1);
    assert.match(garbage.log, /invalid value for api_client_ca_file .*garbage\.pem is not a usable CA certificate/);

    const mismatched = await refused({ FLEET_API_KEY_FILE: certs.clientKey });
    assert.equal(mismatched.code, 1);
    assert.match(mismatched.log, /invalid value for api_cert_file .*are not a usable certificate and key/);
  });
});

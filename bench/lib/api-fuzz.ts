/**
 * Hostile-input fuzzing of the fleet API: a seeded generator of requests,
 * mostly grammar-based (real resources with poisoned names, queries,
 * headers and JSON bodies) and partly random (methods, paths, raw bytes on
 * the socket), and a runner that sends them one at a time to a running API
 * and checks every answer:
 *
 * - no 5xx, and the server keeps answering (no crash);
 * - every 4xx has a JSON body `{"error":{"code":N,"message":"..."}}` with N
 *   the status;
 * - a rejected request leaves the registry unchanged (the store revision
 *   under the key prefix does not move);
 * - on the listener that requires tokens, nothing is answered 2xx without a
 *   valid token of a role that may do it (read for GETs; admin for tokens,
 *   bootstrap, machine metadata and policy writes; operate for the other
 *   writes: an oracle written here, independent of the route table), a
 *   valid token that may do it is never answered 401/403, and every 401
 *   carries `WWW-Authenticate: Bearer`.
 *
 * Used by the test suite (a small run) and by `npm run bench -- api-fuzz`
 * (>= 100,000 requests).
 */
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { roleAllows, type Role } from '../../src/auth/index.js';
import { Rng } from './rng.js';

/** A bearer token the generator may send, and what the server must take it for. */
export interface FuzzToken {
  readonly bearer: string;
  readonly as: Role | 'expired' | 'revoked';
}

/** Who a request is from, as the server must see it: a role, or nobody it may accept (no, bad, expired or revoked token). */
export type Claim = Role | 'nobody';

/** Which listener a request goes to: the token-free unix socket (`local`, admin) or TCP, which requires tokens. */
export type Listener = 'unix' | 'tcp';

/** One generated request. `raw` requests are written to the socket as they are. */
export type FuzzRequest = (
  | { readonly kind: 'http'; readonly method: string; readonly path: string; readonly headers: Record<string, string | string[]>; readonly body?: string }
  | { readonly kind: 'raw'; readonly bytes: Buffer }
) & { readonly listener: Listener; readonly claim: Claim };

const METHODS = ['GET', 'GET', 'GET', 'PUT', 'PUT', 'PUT', 'DELETE', 'PATCH', 'PATCH', 'POST', 'POST', 'HEAD', 'OPTIONS', 'PROPFIND', 'PURGE'];
const PREFIXES = ['/fleet/v1', '/fleet/v1', '/fleet/v1', '/fleet/v1', '/fleet/v1', '/fleet/v1', '/v1-alpha', '/v1-alpha', '', '/fleet', '/fleet/v2', '//fleet/v1'];

/** Unit-name-like segments: half of them valid, the rest hostile. */
function unitName(r: Rng): string {
  if (r.chance(0.5)) return r.pick([`web${r.int(5)}.service`, `fz@${r.int(3)}.service`, 'fz@.service', `t${r.int(3)}.timer`]);
  return r.pick([
    () => `web${r.int(5)}.service`,
    () => `fz@${r.int(3)}.service`,
    () => 'fz@.service',
    () => '../x.service',
    () => '..',
    () => '.',
    () => '--output=json.service',
    () => '-x.service',
    () => `${'a'.repeat(200 + r.int(200))}.service`,
    () => 'a\0b.service',
    () => 'ü.service',
    () => '😀.service',
    () => 'a/b.service',
    () => 'a b.service',
    () => 'noext',
    () => '@x.service',
    () => 'x.exe',
    () => '%s%n.service',
    () => "a'b\".service",
    () => '',
  ])();
}

/** Encodes a segment: usually percent-encoded, sometimes raw (slashes, dots and all), sometimes double-encoded. */
function segment(r: Rng, s: string): string {
  const enc = encodeURIComponent(s);
  // The raw form keeps slashes, dots and Latin-1 bytes as they are (Node's client cannot send wider characters raw).
  const raw = s.replace(/[\0 ]|[^\0-\xff]/gu, (c) => encodeURIComponent(c));
  return r.pick([enc, enc, enc, raw, enc.replace(/%/g, '%25'), `${enc}%2F..%2F`, `%E0%A4%A`]);
}

function query(r: Rng): string {
  if (r.chance(0.6)) return '';
  const params = [
    () => `lines=${r.pick(['10', '0', '-1', '1e9', '99999999999999999999', 'abc', ''])}`,
    () => `output=${encodeURIComponent(r.pick(['short', 'json', 'cat', '--all', 'x;rm -rf /', '', 'verbose\0']))}`,
    () => `follow=${r.pick(['true', 'false', 'yes', '1', ''])}`,
    () => `nextPageToken=${r.pick(['', 'abc', 'eyJ4IjoxfQ', '%00', 'A'.repeat(5000)])}`,
    () => `machineID=${r.pick(['m1', '../x', '%2F', 'a'.repeat(300), ''])}`,
    () => `unitName=${encodeURIComponent(unitName(r))}`,
    () => `alt=${r.pick(['json', 'xml'])}`,
  ];
  return `?${Array.from({ length: 1 + r.int(3) }, () => r.pick(params)()).join('&')}`;
}

function resource(r: Rng): string {
  const name = (): string => segment(r, unitName(r));
  return r.pick([
    () => '/units',
    () => '/units',
    () => '/machines',
    () => '/state',
    () => `/units/${name()}`,
    () => `/units/${name()}`,
    () => `/units/${name()}/${r.pick(['status', 'journal', 'explain', 'x', ''])}`,
    () => '/machines',
    () => '/state',
    () => `/state/${name()}`,
    () => '/discovery',
    () => '/tokens',
    () => `/tokens/${r.pick(['0123456789abcdef', '../units', 'ZZ', ''])}`,
    () => '/auth/bootstrap',
    () => `/${r.pick(['units', 'machines'])}/`,
    () => `/units/${name()}/status/extra`,
    () => `/${'x/'.repeat(r.int(50))}`,
    () => `/%2e%2e/%2e%2e/etc/passwd`,
  ])();
}

/** A JSON value of the kinds parsers trip on. */
function jsonValue(r: Rng, depth = 0): string {
  if (depth > 3) return r.pick(['null', '1', '"x"']);
  return r.pick([
    () => 'null',
    () => 'true',
    () => r.pick(['0', '-1', '1e400', '-1e400', '123456789012345678901234567890', '0.1', '1e-400']),
    () => JSON.stringify(r.pick(['', 'inactive', 'launched', 'loaded', 'x'.repeat(r.int(3000)), '\u0000', '\ud800', '../x'])),
    () => `[${Array.from({ length: r.int(4) }, () => jsonValue(r, depth + 1)).join(',')}]`,
    () => `{${Array.from({ length: r.int(4) }, () => `${JSON.stringify(r.pick(['name', 'options', 'desiredState', 'op', 'path', 'value', 'role', 'ttlSeconds', '__proto__', 'constructor']))}:${jsonValue(r, depth + 1)}`).join(',')}}`,
  ])();
}

function body(r: Rng, method: string, path: string): string | undefined {
  if (method === 'GET' || method === 'HEAD' || (method === 'DELETE' && r.chance(0.8))) return undefined;
  const m = /\/units\/([^/?]+)/.exec(path);
  const name = m ? decodeURIComponentSafe(m[1]!) : 'web1.service';
  // Often a well-formed request, so the handlers' own checks (and some writes) are reached.
  if (r.chance(0.5)) {
    const options = [{ section: 'Service', name: 'ExecStart', value: `/bin/sleep ${r.int(3)}` }];
    if (method === 'PUT') return JSON.stringify(r.pick([{ name, options }, { name, desiredState: r.pick(['inactive', 'loaded', 'launched']) }, { name, options, desiredState: 'launched' }]));
    if (method === 'PATCH') return JSON.stringify([{ op: r.pick(['add', 'replace', 'remove']), path: `/m1/metadata/k${r.int(3)}`, value: 'v' }]);
  }
  return r.pick([
    () => '',
    () => '{',
    () => '[]'.repeat(r.int(3)),
    () => jsonValue(r),
    () => `${'['.repeat(5000 + r.int(50_000))}${']'.repeat(5000)}`,
    () => `{"name":${JSON.stringify(name)},"name":"other.service","desiredState":"launched"}`,
    () => JSON.stringify({ name, desiredState: r.pick(['inactive', 'loaded', 'launched', 'running', 7, null]) }),
    () => JSON.stringify({ name, options: r.pick([[], [{ section: 'Service', name: 'ExecStart', value: '/bin/true' }], [{ section: 1 }], 'x', [{ section: 'X-Fleet', name: 'MachineID', value: '../../x' }]]), desiredState: r.pick(['inactive', 'launched', undefined]) }),
    () => JSON.stringify({ name, options: [{ section: 'Service', name: 'ExecStart', value: 'x'.repeat(r.pick([10, 3000, 70_000])) }] }),
    () => JSON.stringify([{ op: r.pick(['add', 'remove', 'replace', 'move', 1]), path: r.pick(['/m1/metadata/a', '/../metadata/a', '/m1/metadata/a/b', '', '/m1/metadata/' + 'k'.repeat(300)]), value: r.pick(['x', { value: 'x' }, 1, null]) }]),
    () => JSON.stringify({ name: r.pick(['ci', '', '../x', 'a'.repeat(100), 7]), role: r.pick(['read', 'operate', 'admin', 'root', null]), ttlSeconds: r.pick([undefined, 1, 0, -5, 1e12, 'x', 1.5]) }),
    () => Buffer.from(Array.from({ length: r.int(200) }, () => r.int(256))).toString('latin1'),
  ])();
}

function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

function headers(r: Rng, method: string, hasBody: boolean, tokens: readonly FuzzToken[]): { headers: Record<string, string | string[]>; claim: Claim } {
  const h: Record<string, string | string[]> = {};
  let claim: Claim = 'nobody';
  const ct = r.pick(['application/json', 'application/json', 'application/json; charset=utf-8', 'text/plain', 'application/JSON', '', 'none', 'two']);
  if (ct === 'two') h['Content-Type'] = ['application/json', 'application/json'];
  else if (ct !== 'none' && (hasBody || r.chance(0.2))) h['Content-Type'] = ct;
  const auth = r.pick(['none', ...Array<string>(12).fill('valid'), 'stale', 'garbage', 'basic', 'bearer-empty', 'bearer-long', 'tampered', 'scheme']);
  const valid = tokens.filter((t) => t.as !== 'expired' && t.as !== 'revoked');
  const stale = tokens.filter((t) => t.as === 'expired' || t.as === 'revoked');
  if (auth === 'valid' && valid.length > 0) {
    const t = r.pick(valid);
    h['Authorization'] = `Bearer ${t.bearer}`;
    claim = t.as as Role;
  } else if (auth === 'stale' && stale.length > 0) {
    h['Authorization'] = `Bearer ${r.pick(stale).bearer}`;
  } else if (auth === 'tampered' && tokens.length > 0) {
    // The right id with one character of the secret changed.
    const b = r.pick(tokens).bearer;
    const i = 17 + r.int(b.length - 17);
    h['Authorization'] = `Bearer ${b.slice(0, i)}${b[i] === 'A' ? 'B' : 'A'}${b.slice(i + 1)}`;
  } else if (auth === 'scheme' && tokens.length > 0) {
    // The scheme is case-insensitive and may be followed by several spaces (RFC 7235); "Token" is another scheme.
    const t = r.pick(tokens);
    const scheme = r.pick(['bearer', 'BEARER', 'Bearer  ', 'Bearer\t', 'Token']);
    h['Authorization'] = `${scheme}${scheme.endsWith(' ') || scheme.endsWith('\t') ? '' : ' '}${t.bearer}`;
    claim = scheme === 'Token' || t.as === 'expired' || t.as === 'revoked' ? 'nobody' : t.as;
  } else if (auth === 'garbage') h['Authorization'] = `Bearer ${'x'.repeat(r.int(80))}.${'y'.repeat(43)}`;
  else if (auth === 'basic') h['Authorization'] = 'Basic dXNlcjpwYXNz';
  else if (auth === 'bearer-empty') h['Authorization'] = 'Bearer ';
  else if (auth === 'bearer-long') h['Authorization'] = `Bearer ${'z'.repeat(8000)}`;
  // Past 16 KiB the parser refuses the headers (431 with a JSON body, which a HEAD client cannot read).
  if (r.chance(0.05) && method !== 'HEAD') h['X-Pad'] = 'p'.repeat(r.int(20_000));
  if (r.chance(0.05)) h['Accept'] = '*/*';
  return { headers: h, claim };
}

/** Raw bytes for the socket: broken request lines, bad versions, lying lengths, smuggling shapes. */
function rawRequest(r: Rng, tokens: readonly FuzzToken[]): { bytes: Buffer; claim: Claim } {
  const t = tokens.length > 0 && r.chance(0.5) ? r.pick(tokens) : undefined;
  const auth = t !== undefined ? `Authorization: Bearer ${t.bearer}\r\n` : '';
  const claim: Claim = t === undefined || t.as === 'expired' || t.as === 'revoked' ? 'nobody' : t.as;
  const bytes = Buffer.from(
    r.pick([
      () => `GET /fleet/v1/units HTTP/9.9\r\n\r\n`,
      () => `G\0T / HTTP/1.1\r\nHost: x\r\n\r\n`,
      () => `GET /fleet/v1/units HTTP/1.1\r\nHost: x\r\n${auth}Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`,
      () => `PUT /fleet/v1/units/a.service HTTP/1.1\r\nHost: x\r\n${auth}Content-Type: application/json\r\nContent-Length: -1\r\n\r\n`,
      () => `PUT /fleet/v1/units/a.service HTTP/1.1\r\nHost: x\r\n${auth}Content-Type: application/json\r\nContent-Length: 99999999999999999999\r\n\r\n{}`,
      () => `GET /fleet/v1/units HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n`,
      () => `GET /${'a'.repeat(100_000)} HTTP/1.1\r\nHost: x\r\n\r\n`,
      () => `\r\n\r\n\r\n`,
      () => Array.from({ length: r.int(300) }, () => String.fromCharCode(r.int(256))).join(''),
      () => `FOO /fleet/v1/units HTTP/1.1\r\nHost: x\r\n\r\n`,
      () => `GET /fleet/v1/units HTTP/1.1\r\nHost: x\r\n${auth}Content-Length: 3\r\n\r\nabcGET /fleet/v1/machines HTTP/1.1\r\nHost: x\r\n\r\n`,
    ])(),
    'latin1',
  );
  return { bytes, claim };
}

/**
 * The next request of the run `r` generates. `tokens` are bearer texts the
 * generator may send (most of them valid, so requests get past
 * authentication and reach the handlers). A quarter of the requests go to
 * the token-free unix socket, whose caller is `local` (admin) whatever it sends.
 */
export function generateRequest(r: Rng, tokens: readonly FuzzToken[]): FuzzRequest {
  const listener: Listener = r.chance(0.25) ? 'unix' : 'tcp';
  const as = (claim: Claim): Claim => (listener === 'unix' ? 'admin' : claim);
  if (r.chance(0.04)) {
    const raw = rawRequest(r, tokens);
    return { kind: 'raw', bytes: raw.bytes, listener, claim: as(raw.claim) };
  }
  const res = resource(r);
  const method = r.chance(0.5) ? naturalMethod(r, res) : r.pick(METHODS);
  const path = `${r.pick(PREFIXES)}${res}${query(r)}`;
  const b = body(r, method, path);
  const h = headers(r, method, b !== undefined, tokens);
  return { kind: 'http', method, path, headers: h.headers, ...(b !== undefined ? { body: b } : {}), listener, claim: as(h.claim) };
}

/**
 * The role a request needs, by this oracle's own reading of issue 14 (not
 * the route table): admin for tokens, bootstrap, machine metadata and
 * policy writes; operate for any other write; read for the rest.
 */
export function roleNeeded(method: string, path: string): Role {
  const p = path.split('?')[0]!;
  if (/\/(tokens|auth)(\/|$)/.test(p)) return 'admin';
  if (method === 'GET' || method === 'HEAD') return 'read';
  if (/\/machines\/?$/.test(p) || /\/policy\/?$/.test(p)) return 'admin';
  return 'operate';
}

/** A method the resource answers, so requests get past the 405s. */
function naturalMethod(r: Rng, res: string): string {
  if (/^\/units\/[^/]+$/.test(res)) return r.pick(['GET', 'PUT', 'PUT', 'PUT', 'DELETE']);
  if (res === '/machines') return r.pick(['GET', 'PATCH']);
  if (res === '/tokens') return r.pick(['GET', 'POST']);
  if (res.startsWith('/tokens/')) return 'DELETE';
  if (res === '/auth/bootstrap') return 'POST';
  return 'GET';
}

/** Where and how to send. */
export interface FuzzTarget {
  /** The token-free unix socket. */
  readonly unix: { readonly socketPath: string };
  /** The TCP listener that requires tokens. */
  readonly tcp: { readonly host: string; readonly port: number };
  /** The store revision now (the registry must not move while a rejected request is answered). */
  revision(): Promise<bigint>;
}

/** What a run counted. */
export interface FuzzCounts {
  requests: number;
  byStatus: Record<string, number>;
  /** Raw-socket requests the server closed without an answer (a parse error it could not answer, or a body it refused to read). */
  rawClosed: number;
  /** Answers by who sent them (`unix` for the socket, else the claim on TCP) and status class, e.g. `{"read": {"2xx": 10, "401": 0, ...}}`. */
  byClaim: Record<string, Record<string, number>>;
  /** Answers that broke a rule; each string says which request and what. Empty = pass. */
  violations: string[];
}

interface Answer {
  status: number;
  contentType: string;
  body: string;
  /** `WWW-Authenticate`, when answered. */
  challenge?: string;
}

const connectOf = (target: FuzzTarget, listener: Listener): { socketPath: string } | { host: string; port: number } => (listener === 'unix' ? target.unix : target.tcp);

function sendHttp(target: FuzzTarget, req: Extract<FuzzRequest, { kind: 'http' }>): Promise<Answer> {
  return new Promise((resolve, reject) => {
    let path = req.path;
    if (!path.startsWith('/')) path = `/${path}`;
    // Well-framed HTTP (a Content-Length whenever there is a body); broken framing is the raw requests' job.
    const payload = req.body === undefined ? undefined : Buffer.from(req.body, 'latin1');
    const headers = payload === undefined ? req.headers : { ...req.headers, 'Content-Length': String(payload.length) };
    const r = httpRequest({ ...connectOf(target, req.listener), method: req.method, path, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      const challenge = res.headers['www-authenticate'];
      res.on('end', () => resolve({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type'] ?? ''), body: Buffer.concat(chunks).toString('utf8'), ...(challenge !== undefined ? { challenge } : {}) }));
      res.on('error', reject);
    });
    r.setTimeout(30_000, () => r.destroy(new Error('timed out')));
    r.on('error', reject);
    r.end(payload);
  });
}

function sendRaw(target: FuzzTarget, listener: Listener, bytes: Buffer): Promise<Answer | undefined> {
  return new Promise((resolve) => {
    const s = listener === 'unix' ? connect({ path: target.unix.socketPath }) : connect(target.tcp);
    const chunks: Buffer[] = [];
    s.setTimeout(5000, () => s.destroy());
    s.on('data', (c: Buffer) => chunks.push(c));
    s.on('error', () => undefined);
    s.on('close', () => {
      const text = Buffer.concat(chunks).toString('latin1');
      const m = /^HTTP\/1\.[01] (\d{3})[^\r\n]*\r\n([\s\S]*?)\r\n\r\n([\s\S]*)$/.exec(text);
      if (m === null) return resolve(undefined);
      const ct = /^content-type:\s*(.*)$/im.exec(m[2]!)?.[1] ?? '';
      const cl = /^content-length:\s*(\d+)$/im.exec(m[2]!)?.[1];
      resolve({ status: Number(m[1]), contentType: ct.trim(), body: cl === undefined ? m[3]! : m[3]!.slice(0, Number(cl)) });
    });
    s.write(bytes);
    // Half-close so a server waiting for more of a request sees the end.
    s.end();
  });
}

/** The rules every answer must follow; returns the broken one, or undefined. */
export function answerProblem(a: Answer, method: string): string | undefined {
  if (a.status >= 500) return `status ${a.status}: ${a.body.slice(0, 200)}`;
  if (a.status >= 400 && method !== 'HEAD') {
    if (!a.contentType.startsWith('application/json')) return `status ${a.status} with Content-Type ${JSON.stringify(a.contentType)}: ${a.body.slice(0, 200)}`;
    let parsed: unknown;
    try {
      parsed = JSON.parse(a.body);
    } catch {
      return `status ${a.status} with a body that is not JSON: ${a.body.slice(0, 200)}`;
    }
    const e = (parsed as { error?: { code?: unknown; message?: unknown } }).error;
    if (e?.code !== a.status || typeof e.message !== 'string') return `status ${a.status} with a body not in fleet's error shape: ${a.body.slice(0, 200)}`;
  }
  return undefined;
}

/**
 * The authorization rules (see the file comment) for an answer to a
 * request on the listener that requires tokens; returns the broken one, or
 * undefined. Raw requests are checked only for "no 2xx without a token":
 * their path is not known reliably.
 */
export function authProblem(a: Answer, req: FuzzRequest): string | undefined {
  if (req.listener !== 'tcp') return undefined;
  const ok = a.status >= 200 && a.status < 300;
  if (req.kind === 'raw') return ok && req.claim === 'nobody' ? `answered ${a.status} without a valid token` : undefined;
  const needed = roleNeeded(req.method, req.path);
  if (ok && (req.claim === 'nobody' || !roleAllows(req.claim, needed))) return `answered ${a.status} to ${req.claim === 'nobody' ? 'a request without a valid token' : `role ${req.claim}`}, but it needs ${needed}`;
  if (a.status === 401 && !/^Bearer realm="fleet"/.test(a.challenge ?? '')) return `401 without WWW-Authenticate: Bearer (${JSON.stringify(a.challenge)})`;
  const bootstrap = /\/auth\//.test(req.path);
  if ((a.status === 401 || a.status === 403) && req.claim !== 'nobody' && roleAllows(req.claim, needed) && !bootstrap) return `refused (${a.status}) role ${req.claim}, which may: ${a.body.slice(0, 200)}`;
  return undefined;
}

/** The status class an answer is counted under: 2xx, or the status for 401/403/429, or other 4xx, 5xx, closed. */
function statusClass(a: Answer | undefined): string {
  if (a === undefined) return 'closed';
  if (a.status === 401 || a.status === 403 || a.status === 429) return String(a.status);
  return `${Math.floor(a.status / 100)}xx`;
}

/**
 * Sends `count` generated requests one at a time and checks each answer.
 * `progress` is called every 1,000 requests.
 */
export async function runFuzz(options: {
  target: FuzzTarget;
  count: number;
  seed: number;
  tokens: readonly FuzzToken[];
  progress?: (done: number, counts: FuzzCounts) => void;
}): Promise<FuzzCounts> {
  const r = new Rng(options.seed);
  const counts: FuzzCounts = { requests: 0, byStatus: {}, rawClosed: 0, byClaim: {}, violations: [] };
  for (let i = 0; i < options.count; i++) {
    const req = generateRequest(r, options.tokens);
    const before = await options.target.revision();
    const who = req.listener === 'unix' ? 'unix' : req.claim;
    const label = `${req.kind === 'raw' ? `#${i} raw ${JSON.stringify(req.bytes.toString('latin1').slice(0, 80))}` : `#${i} ${req.method} ${req.path.slice(0, 200)}`} (${req.listener}, ${who})`;
    let answer: Answer | undefined;
    try {
      answer = req.kind === 'raw' ? await sendRaw(options.target, req.listener, req.bytes) : await sendHttp(options.target, req);
    } catch (err) {
      // A HEAD whose request line the parser refused gets the JSON 400 body, which a HEAD client does not expect to read.
      if (req.kind === 'http' && req.method === 'HEAD' && (err as NodeJS.ErrnoException).code === 'HPE_CLOSED_CONNECTION') {
        counts.byStatus['HEAD refused by the parser'] = (counts.byStatus['HEAD refused by the parser'] ?? 0) + 1;
      } else counts.violations.push(`${label}: no answer (${(err as Error).message})`);
      continue;
    } finally {
      counts.requests++;
    }
    const byClaim = (counts.byClaim[who] ??= {});
    byClaim[statusClass(answer)] = (byClaim[statusClass(answer)] ?? 0) + 1;
    if (answer === undefined) {
      counts.rawClosed++;
    } else {
      counts.byStatus[answer.status] = (counts.byStatus[answer.status] ?? 0) + 1;
      const problem = answerProblem(answer, req.kind === 'raw' ? 'RAW' : req.method) ?? authProblem(answer, req);
      if (problem !== undefined) counts.violations.push(`${label}: ${problem}`);
    }
    if (answer === undefined || answer.status >= 400) {
      const after = await options.target.revision();
      if (after !== before) counts.violations.push(`${label}: rejected (${answer?.status ?? 'closed'}) but the registry moved from revision ${before} to ${after}`);
    }
    if ((i + 1) % 1000 === 0) options.progress?.(i + 1, counts);
  }
  return counts;
}

/**
 * The HTTP layer under the API client: one request per call over a unix
 * socket or TCP (optionally TLS), JSON bodies in and out, or a raw response
 * for streams. Connection failures become {@link TransportError}s.
 */
import type { IncomingMessage, request as httpRequest } from 'node:http';
import type { RequestOptions } from 'node:https';
import type { ApiEndpoint } from './endpoint.js';
import { TransportError } from './errors.js';
import { CutAnswerError, exchange, type PlainAnswer } from './plain-http.js';

/** Connection failures a retry may get past: a reset or refused connection (fleetd overloaded or restarting). */
const TRANSIENT_CODES: ReadonlySet<string> = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE']);

/** TLS material for an `https://` endpoint (PEM text). */
export interface TlsFiles {
  readonly key?: string;
  readonly cert?: string;
  /** A CA bundle, or the default roots given as a list (see `src/tls/extra-ca-certs.ts`). */
  readonly ca?: string | readonly string[];
}

/** How fleetctl waits when the API answers 429 (its identity is over the rate limit). */
export interface RateLimitRetry {
  /** Retries of one request before its 429 is the answer. */
  readonly attempts: number;
  /** Longest single wait, ms (a larger `Retry-After` is cut to this). */
  readonly maxDelayMs: number;
  /** Told before each wait (a line for stderr). */
  readonly notify: (line: string) => void;
  /** Default: a timer, cut short by the abort signal. */
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** fleetctl's default: up to 20 retries of at most 30 s each. */
export const DEFAULT_RATE_LIMIT_ATTEMPTS = 20;
export const DEFAULT_RATE_LIMIT_MAX_DELAY_MS = 30_000;

/** How to reach one API. */
export interface HttpTarget {
  readonly endpoint: ApiEndpoint;
  readonly tls?: TlsFiles;
  /** Socket inactivity limit of JSON requests, ms; 0 = none. */
  readonly idleTimeoutMs: number;
  /** Sent as `Authorization: Bearer <token>` (never printed); undefined = none. */
  readonly token?: string;
  /** Waiting on 429; undefined = a 429 is the answer at once. */
  readonly rateLimit?: RateLimitRetry;
  /** Sends the request; default Node's `http.request` (`https.request` for https), loaded on first use. */
  readonly request?: RequestFn;
}

/**
 * How long to wait before retrying a 429: the server's `Retry-After`
 * (seconds, or an HTTP date), else 1 s doubling per attempt; never more
 * than `maxDelayMs`, never less than 100 ms.
 */
export function retryDelayMs(retryAfter: string | undefined, attempt: number, maxDelayMs: number, now: number = Date.now()): number {
  let ms = 1000 * 2 ** Math.min(attempt, 10);
  const v = retryAfter?.trim() ?? '';
  if (/^\d+$/.test(v)) ms = Number(v) * 1000;
  else if (v !== '' && Number.isFinite(Date.parse(v))) ms = Date.parse(v) - now;
  return Math.min(maxDelayMs, Math.max(100, ms));
}

const timerSleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });

/** A buffered response. */
export interface JsonResponse {
  readonly status: number;
  /** Parsed body; undefined for an empty or non-JSON body. */
  readonly body: unknown;
  readonly text: string;
}

/** The path of an API v1 resource under the endpoint, e.g. `/fleet/v1/units`. */
export function apiPath(target: HttpTarget, resource: string): string {
  const base = target.endpoint.kind === 'tcp' ? target.endpoint.basePath : '';
  return `${base}/fleet/v1${resource}`;
}

function requestOptions(target: HttpTarget, method: string, path: string, headers: Record<string, string>): RequestOptions {
  const ep = target.endpoint;
  const auth: Record<string, string> = target.token !== undefined && target.token !== '' ? { Authorization: `Bearer ${target.token}` } : {};
  const common = { method, path, headers: { 'User-Agent': 'fleetctl', ...auth, ...headers } };
  // No TLS, no SNI: an empty servername keeps Node's agent from testing the host against its IPv6
  // pattern, whose first use compiled for ~10 ms of every invocation.
  if (ep.kind === 'unix') return { ...common, socketPath: ep.socketPath, host: 'domain-sock', servername: '' };
  if (ep.protocol === 'http:') return { ...common, host: ep.host, port: ep.port, servername: '' };
  const tls = target.tls ?? {};
  // fleet disabled verification when only a CA was given (quirk 11); we verify whenever TLS is used.
  return { ...common, host: ep.host, port: ep.port, key: tls.key, cert: tls.cert, ca: typeof tls.ca === 'string' || tls.ca === undefined ? tls.ca : [...tls.ca] };
}

function describe(target: HttpTarget): string {
  const ep = target.endpoint;
  return ep.kind === 'unix' ? `unix://${ep.socketPath}` : `${ep.protocol}//${ep.host}:${ep.port}`;
}

/** Options of one request: a JSON body, extra headers, cancellation, and whether the idle timeout applies (default yes). */
export interface SendOptions {
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
  readonly signal?: AbortSignal;
  readonly idle?: boolean;
}

/** What the 429 loop needs of an answer. */
interface Answer {
  readonly status: number;
  readonly retryAfter: string | undefined;
  /** Drops the answer's unread body. */
  discard(): void;
}

/**
 * Makes a request with `once` until it is not answered 429, as
 * `target.rateLimit` says (the caller is told before each wait); the last
 * 429 is returned when the retries run out.
 */
async function rateLimited<A extends Answer>(target: HttpTarget, signal: AbortSignal | undefined, once: () => Promise<A>): Promise<A> {
  const retry = target.rateLimit;
  for (let attempt = 0; ; attempt++) {
    const answer = await once();
    if (answer.status !== 429 || retry === undefined || attempt >= retry.attempts || signal?.aborted === true) return answer;
    answer.discard();
    const ms = retryDelayMs(answer.retryAfter, attempt, retry.maxDelayMs);
    retry.notify(`fleetctl: the fleet API is rate-limiting this identity (429); waiting ${(ms / 1000).toFixed(ms < 1000 ? 1 : 0)} s before retrying (retry ${attempt + 1} of ${retry.attempts})`);
    await (retry.sleep ?? timerSleep)(ms, signal);
  }
}

/**
 * Sends one request and resolves with the response head (body unread).
 * A 429 is retried as `target.rateLimit` says (the caller is told before
 * each wait); the last 429 is returned when the retries run out.
 * @throws {TransportError} when the connection fails or times out.
 */
export async function send(
  target: HttpTarget,
  method: string,
  path: string,
  options: SendOptions = {},
): Promise<IncomingMessage> {
  const answer = await rateLimited(target, options.signal, async () => {
    const res = await sendOnce(target, method, path, options);
    const header = res.headers['retry-after'];
    return { status: res.statusCode ?? 0, retryAfter: Array.isArray(header) ? header[0] : header, discard: () => void res.resume(), res };
  });
  return answer.res;
}

/** Node's `http.request` (or anything that behaves as it does). */
export type RequestFn = typeof httpRequest;
let httpModule: Promise<RequestFn> | undefined;
let httpsModule: Promise<RequestFn> | undefined;

/**
 * Node's HTTP client, loaded on the first request (and TLS only for an
 * https endpoint): commands that never reach the API (`version`, `help`,
 * `completion`) skip ~45 ms of module loading.
 */
function requestFunction(isHttps: boolean): Promise<RequestFn> {
  if (isHttps) return (httpsModule ??= import('node:https').then((m) => m.request));
  return (httpModule ??= import('node:http').then((m) => m.request));
}

/** `headers` plus the JSON payload's Content-Type and Content-Length. */
function bodyHeaders(headers: Readonly<Record<string, string>> | undefined, payload: string | undefined): Record<string, string> {
  return { ...headers, ...(payload === undefined ? {} : { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(payload)) }) };
}

async function sendOnce(
  target: HttpTarget,
  method: string,
  path: string,
  options: SendOptions,
): Promise<IncomingMessage> {
  const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
  const opts = requestOptions(target, method, path, bodyHeaders(options.headers, payload));
  const isHttps = target.endpoint.kind === 'tcp' && target.endpoint.protocol === 'https:';
  const request = target.request ?? (await requestFunction(isHttps));
  return new Promise((resolve, reject) => {
    const req = request({ ...opts, signal: options.signal }, resolve);
    const timedOut = new Error('request timed out');
    req.on('error', (err: NodeJS.ErrnoException) => reject(requestError(target, err, timedOut)));
    if (options.idle !== false && target.idleTimeoutMs > 0) {
      req.setTimeout(target.idleTimeoutMs, () => req.destroy(timedOut));
    }
    req.end(payload);
  });
}

/** The error a failed request rejects with: cancellation as is, else a {@link TransportError} (timed out, or what the connection said). */
function requestError(target: HttpTarget, err: NodeJS.ErrnoException, timedOut: Error): Error {
  if (err.name === 'AbortError') return err;
  if (err === timedOut) return new TransportError(timeoutMessage(target), { cause: err, transient: false, timedOut: true });
  return new TransportError(`unable to reach the fleet API at ${describe(target)}: ${err.code ?? err.message}`, { cause: err, transient: TRANSIENT_CODES.has(err.code ?? '') });
}

/**
 * What a request that got no answer in time says. A server that is merely
 * slow (a busy host, etcd under load) may still carry the request out, so
 * the message does not claim it failed to reach the server.
 */
function timeoutMessage(target: HttpTarget): string {
  const seconds = (target.idleTimeoutMs / 1000).toFixed(1);
  return `the fleet API at ${describe(target)} did not answer within ${seconds} s (--request-timeout; raise it for a busy cluster); the request may still have been carried out`;
}

/** Reads a whole response body as text. */
export async function readText(res: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of res) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Sends one JSON request over a unix socket or plain http without Node's
 * HTTP client (plain-http.ts); resolves with the answer's status, Retry-After
 * and body text.
 * @throws {TransportError} when the connection fails or times out before an answer.
 */
async function exchangeOnce(target: HttpTarget, method: string, path: string, body: unknown, headers: Readonly<Record<string, string>> | undefined): Promise<Answer & { readonly text: string }> {
  const ep = target.endpoint;
  const payload = body === undefined ? undefined : JSON.stringify(body);
  // The headers Node's client sent besides its own (Host, Connection).
  const { headers: sent } = requestOptions(target, method, path, bodyHeaders(headers, payload));
  const timedOut = new Error('request timed out');
  const address = ep.kind === 'unix' ? { path: ep.socketPath } : { host: ep.host, port: ep.port };
  // The Host header Node's client sent: `domain-sock` for a socket, else host[:port] (IPv6 bracketed).
  const host = ep.kind === 'unix' ? 'domain-sock' : `${ep.host.includes(':') ? `[${ep.host}]` : ep.host}${ep.port === 80 ? '' : `:${ep.port}`}`;
  let answer: PlainAnswer;
  try {
    answer = await exchange(address, { method, path, host, headers: sent as Record<string, string>, ...(payload === undefined ? {} : { payload }), idleTimeoutMs: target.idleTimeoutMs, timedOut });
  } catch (err) {
    // A body cut short reached the server: reported as is, as when Node's client read it.
    throw err instanceof CutAnswerError ? err : requestError(target, err as NodeJS.ErrnoException, timedOut);
  }
  return { status: answer.status, retryAfter: answer.headers.get('retry-after'), discard: () => undefined, text: answer.body.toString('utf8') };
}

/** Whether JSON requests to `target` go through {@link exchangeOnce}: plain connections, unless a `request` function is given. */
function plainExchange(target: HttpTarget): boolean {
  return target.request === undefined && !(target.endpoint.kind === 'tcp' && target.endpoint.protocol === 'https:');
}

/**
 * Sends a JSON request and buffers the answer.
 * @throws {TransportError} when the connection fails.
 */
export async function requestJson(target: HttpTarget, method: string, path: string, body?: unknown, headers?: Readonly<Record<string, string>>): Promise<JsonResponse> {
  let status: number;
  let text: string;
  if (plainExchange(target)) {
    ({ status, text } = await rateLimited(target, undefined, () => exchangeOnce(target, method, path, body, headers)));
  } else {
    const res = await send(target, method, path, { body, ...(headers === undefined ? {} : { headers }) });
    status = res.statusCode ?? 0;
    text = await readText(res);
  }
  let parsed: unknown;
  if (text.trim() !== '') {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
  }
  return { status, body: parsed, text };
}

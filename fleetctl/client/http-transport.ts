/**
 * The HTTP layer under the API client: one request per call over a unix
 * socket or TCP (optionally TLS), JSON bodies in and out, or a raw response
 * for streams. Connection failures become {@link TransportError}s.
 */
import type { IncomingMessage, request as httpRequest } from 'node:http';
import type { RequestOptions } from 'node:https';
import type { ApiEndpoint } from './endpoint.js';
import { TransportError } from './errors.js';

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
  const retry = target.rateLimit;
  for (let attempt = 0; ; attempt++) {
    const res = await sendOnce(target, method, path, options);
    if (res.statusCode !== 429 || retry === undefined || attempt >= retry.attempts || options.signal?.aborted === true) return res;
    const header = res.headers['retry-after'];
    res.resume();
    const ms = retryDelayMs(Array.isArray(header) ? header[0] : header, attempt, retry.maxDelayMs);
    retry.notify(`fleetctl: the fleet API is rate-limiting this identity (429); waiting ${(ms / 1000).toFixed(ms < 1000 ? 1 : 0)} s before retrying (retry ${attempt + 1} of ${retry.attempts})`);
    await (retry.sleep ?? timerSleep)(ms, options.signal);
  }
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

async function sendOnce(
  target: HttpTarget,
  method: string,
  path: string,
  options: SendOptions,
): Promise<IncomingMessage> {
  const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
  const headers: Record<string, string> = {
    ...options.headers,
    ...(payload === undefined ? {} : { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(payload)) }),
  };
  const opts = requestOptions(target, method, path, headers);
  const isHttps = target.endpoint.kind === 'tcp' && target.endpoint.protocol === 'https:';
  const request = target.request ?? (await requestFunction(isHttps));
  return new Promise((resolve, reject) => {
    const req = request({ ...opts, signal: options.signal }, resolve);
    const timedOut = new Error('request timed out');
    req.on('error', (err: NodeJS.ErrnoException) => {
      if (err.name === 'AbortError') reject(err);
      else if (err === timedOut) reject(new TransportError(timeoutMessage(target), { cause: err, transient: false, timedOut: true }));
      else reject(new TransportError(`unable to reach the fleet API at ${describe(target)}: ${err.code ?? err.message}`, { cause: err, transient: TRANSIENT_CODES.has(err.code ?? '') }));
    });
    if (options.idle !== false && target.idleTimeoutMs > 0) {
      req.setTimeout(target.idleTimeoutMs, () => req.destroy(timedOut));
    }
    req.end(payload);
  });
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
 * Sends a JSON request and buffers the answer.
 * @throws {TransportError} when the connection fails.
 */
export async function requestJson(target: HttpTarget, method: string, path: string, body?: unknown, headers?: Readonly<Record<string, string>>): Promise<JsonResponse> {
  const res = await send(target, method, path, { body, ...(headers === undefined ? {} : { headers }) });
  const text = await readText(res);
  let parsed: unknown;
  if (text.trim() !== '') {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
  }
  return { status: res.statusCode ?? 0, body: parsed, text };
}

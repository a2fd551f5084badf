/**
 * Notification sinks for anomalies: a log line, and `notify_webhook` (POST
 * of the event JSON). A sink never slows the cluster: `notify` only queues
 * (bounded; the oldest is dropped when full), one delivery runs at a time
 * with a timeout, and failures are retried with the shared backoff.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Clock } from '../clock.js';
import { defaultCaCertificates } from '../tls/extra-ca-certs.js';
import { Backoff, type BackoffPolicy } from '../domain/index.js';
import type { FleetEvent } from './types.js';

/** Receives events to pass on; must return at once and never throw. */
export interface EventNotifier {
  notify(event: FleetEvent): void;
  /** Stops delivering; what is queued is dropped. */
  close(): void;
}

/** The logging a sink needs (pino's `Logger` fits). */
export interface NotifyLogger {
  warn(obj: object, msg: string): void;
}

/** A log line per event, at warn level (anomalies are what an operator should see). */
export function logNotifier(log: NotifyLogger): EventNotifier {
  return { notify: (e) => log.warn({ event: e }, `${e.type}: ${'message' in e ? e.message : ''}`), close: () => undefined };
}

/** Options of {@link webhookNotifier}. */
export interface WebhookOptions {
  /** `http://` or `https://` URL. */
  readonly url: string;
  readonly clock: Clock;
  readonly log: NotifyLogger;
  /** One POST may take this long, ms; default 5000. */
  readonly timeoutMs?: number;
  /** Attempts per event (first included); default 5. */
  readonly attempts?: number;
  /** Events waiting at most; default 100 (the oldest is dropped beyond). */
  readonly queueLimit?: number;
  readonly backoff?: BackoffPolicy;
  /** Sends one POST; resolves with the HTTP status. Default: node's http(s). For tests. */
  readonly post?: (url: string, body: string, timeoutMs: number) => Promise<number>;
}

/** Counters, for tests and the dump. */
export interface WebhookStats {
  delivered: number;
  failed: number;
  dropped: number;
}

/**
 * POSTs each event as JSON to `url` (`Content-Type: application/json`);
 * a 2xx is delivered, anything else (or a timeout) is retried after the
 * backoff, up to `attempts`, then logged and dropped.
 */
export function webhookNotifier(o: WebhookOptions): EventNotifier & { readonly stats: WebhookStats; idle(): Promise<void> } {
  const timeoutMs = o.timeoutMs ?? 5000;
  const attempts = o.attempts ?? 5;
  const limit = o.queueLimit ?? 100;
  const post = o.post ?? postJson;
  const queue: FleetEvent[] = [];
  const stats: WebhookStats = { delivered: 0, failed: 0, dropped: 0 };
  let running = false;
  let closed = false;
  let idleWaiters: Array<() => void> = [];
  const wait = (ms: number) => new Promise<void>((r) => o.clock.setTimeout(r, ms));
  const drain = async (): Promise<void> => {
    running = true;
    while (!closed && queue.length > 0) {
      const event = queue.shift()!;
      const backoff = new Backoff(o.backoff);
      const body = JSON.stringify(event);
      for (let attempt = 1; ; attempt++) {
        let problem: string;
        try {
          const status = await post(o.url, body, timeoutMs);
          if (status >= 200 && status < 300) {
            stats.delivered++;
            break;
          }
          problem = `HTTP ${status}`;
        } catch (err) {
          problem = (err as Error).message;
        }
        if (closed) break;
        if (attempt >= attempts) {
          stats.failed++;
          o.log.warn({ url: o.url, event: event.type, problem }, `notify_webhook: giving up on an event after ${attempts} attempts`);
          break;
        }
        await wait(backoff.next());
      }
    }
    running = false;
    const waiters = idleWaiters;
    idleWaiters = [];
    for (const w of waiters) w();
  };
  return {
    stats,
    notify(event) {
      if (closed) return;
      queue.push(event);
      if (queue.length > limit) {
        queue.shift();
        stats.dropped++;
      }
      if (!running) void drain();
    },
    close() {
      closed = true;
      queue.length = 0;
    },
    idle: () => (running ? new Promise<void>((r) => idleWaiters.push(r)) : Promise.resolve()),
  };
}

/** One POST of `body` with a timeout; resolves with the status. */
function postJson(url: string, body: string, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const https = u.protocol === 'https:';
    const send = https ? httpsRequest : httpRequest;
    // The default roots, plus NODE_EXTRA_CA_CERTS's certificates when fleetd's #! line moved it aside.
    const ca = https ? defaultCaCertificates() : undefined;
    const headers = { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), 'User-Agent': 'fleetd' };
    const req = send(u, { method: 'POST', headers, timeout: timeoutMs, ...(ca !== undefined ? { ca: [...ca] } : {}) }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}

import { readFileSync } from 'node:fs';
import { Etcd3, isRecoverableError, type IOptions } from 'etcd3';
import { circuitBreaker, ConsecutiveBreaker, ExponentialBackoff, handleWhen, noop, type IBackoff } from 'cockatiel';
import { installEtcd3WatchFixes } from './etcd3-watch-fixes.js';
import { trustedRootCertificates } from '../tls/extra-ca-certs.js';

/** How to reach etcd; everything but `endpoints` is optional and documented with its default. */
export interface EtcdClientOptions {
  /** Client URLs, e.g. `['http://127.0.0.1:2379']`. */
  readonly endpoints: readonly string[];
  /** Deadline of every unary call (get/txn/grant/keepalive…), ms. Default 5000: a frozen etcd must not hang callers. */
  readonly requestTimeoutMs?: number;
  /** Time allowed to establish a connection, ms. Default 3000. */
  readonly dialTimeoutMs?: number;
  /**
   * gRPC keepalive ping interval, ms. Default 10000. etcd rejects pings more
   * frequent than its `--grpc-keepalive-min-time` (default 5 s) with
   * GOAWAY, so stay above that unless the server is configured otherwise.
   */
  readonly keepaliveTimeMs?: number;
  /** How long a keepalive ping may go unanswered before the connection is dropped, ms. Default 5000. */
  readonly keepaliveTimeoutMs?: number;
  /** Cap of the watch-reconnect backoff, ms. Default 2000 (etcd3's own default grows to 30 s). */
  readonly watchBackoffMaxMs?: number;
  /** First watch-reconnect delay, ms. Default 100. */
  readonly watchBackoffInitialMs?: number;
  /** With several endpoints: how long a member that failed at the connection level is skipped before it is tried again, ms. Default 1000. */
  readonly memberRetryMs?: number;
  /**
   * TLS files (PEM). With any of them, or with https:// endpoints, the
   * connection is TLS and the server certificate is always verified: against
   * `caFile` when given, else the system roots (fleet skipped verification
   * when only a CA was given; we never do).
   */
  readonly tls?: { readonly caFile?: string; readonly certFile?: string; readonly keyFile?: string };
  /** etcd user authentication. */
  readonly auth?: { readonly username: string; readonly password: string };
  /**
   * Open this client's own TCP connection instead of sharing one with other
   * clients of the same endpoints in the process (gRPC shares by default).
   * fleetd gives its API such a client, so a burst of API requests cannot
   * delay or drop the agent's lease keepalives. Default false.
   */
  readonly ownConnection?: boolean;
}

/** {@link EtcdClientOptions} with every default filled in. */
export type ResolvedEtcdClientOptions = Required<Omit<EtcdClientOptions, 'tls' | 'auth'>> & Pick<EtcdClientOptions, 'tls' | 'auth'>;

/** Fills defaults in one place; throws `RangeError` for an empty endpoint list. */
export function resolveEtcdClientOptions(o: EtcdClientOptions): ResolvedEtcdClientOptions {
  if (o.endpoints.length === 0) throw new RangeError('at least one etcd endpoint is required');
  return {
    endpoints: [...o.endpoints],
    requestTimeoutMs: o.requestTimeoutMs ?? 5000,
    dialTimeoutMs: o.dialTimeoutMs ?? 3000,
    keepaliveTimeMs: o.keepaliveTimeMs ?? 10_000,
    keepaliveTimeoutMs: o.keepaliveTimeoutMs ?? 5000,
    watchBackoffMaxMs: o.watchBackoffMaxMs ?? 2000,
    watchBackoffInitialMs: o.watchBackoffInitialMs ?? 100,
    memberRetryMs: o.memberRetryMs ?? 1000,
    ownConnection: o.ownConnection ?? false,
    ...(o.tls !== undefined ? { tls: o.tls } : {}),
    ...(o.auth !== undefined ? { auth: o.auth } : {}),
  };
}

/** etcd3 credentials from TLS file names; undefined for plain-text endpoints without TLS files. Throws naming an unreadable file. */
function tlsCredentials(o: ResolvedEtcdClientOptions): IOptions['credentials'] {
  const t = o.tls ?? {};
  const wantsTls = t.caFile !== undefined || t.certFile !== undefined || o.endpoints.some((e) => e.startsWith('https://'));
  if (!wantsTls) return undefined;
  const read = (what: string, file: string): Buffer => {
    try {
      return readFileSync(file);
    } catch (err) {
      throw new RangeError(`cannot read etcd ${what} ${file}: ${(err as Error).message}`);
    }
  };
  return {
    rootCertificate: t.caFile !== undefined ? read('CA file', t.caFile) : Buffer.from(trustedRootCertificates().join('\n')),
    ...(t.keyFile !== undefined ? { privateKey: read('key file', t.keyFile) } : {}),
    ...(t.certFile !== undefined ? { certChain: read('certificate file', t.certFile) } : {}),
  };
}

/**
 * Builds the etcd3 client with the settings its known faults require:
 * - gRPC keepalive on while calls or watches are open, so a dead or frozen
 *   server breaks watch streams instead of leaving them silent forever;
 * - a deadline on every unary call (etcd3 sets none);
 * - no library-level retries: a retried create-if-absent could report a
 *   false conflict. Callers retry on `retryable` errors themselves;
 * - with one endpoint, no circuit breaker (etcd3's default refuses calls for
 *   5 s after etcd is back). With several members, a breaker per member that
 *   opens on its first connection-level failure and lets a probe through
 *   after `memberRetryMs`: etcd3 sends each call to one member and fails it
 *   when that member is down, so without the breaker every call that draws a
 *   dead member fails, and with it the calls after the first go to the
 *   members that answer (the caller's retry lands on a live one);
 * - watch reconnect backoff capped at `watchBackoffMaxMs`.
 * This is the only place that constructs an `Etcd3`.
 */
export function createEtcdClient(options: EtcdClientOptions): Etcd3 {
  const o = resolveEtcdClientOptions(options);
  const credentials = tlsCredentials(o);
  const config: IOptions = {
    hosts: [...o.endpoints],
    ...(credentials !== undefined ? { credentials } : {}),
    ...(o.auth !== undefined ? { auth: { username: o.auth.username, password: o.auth.password } } : {}),
    dialTimeout: o.dialTimeoutMs,
    grpcOptions: {
      'grpc.keepalive_time_ms': o.keepaliveTimeMs,
      'grpc.keepalive_timeout_ms': o.keepaliveTimeoutMs,
      // etcd's server enforcement (PermitWithoutStream=false) answers pings
      // on a connection with no open stream with GOAWAY "too_many_pings", so
      // ping only while calls or watches are open. fleetd always has a watch
      // open, which is where a dead server must be noticed.
      'grpc.keepalive_permit_without_calls': 0,
      ...(o.ownConnection ? { 'grpc.use_local_subchannel_pool': 1 } : {}),
    },
    defaultCallOptions: (ctx) => (ctx.isStream ? {} : { deadline: Date.now() + o.requestTimeoutMs }),
    faultHandling: {
      host: () => (o.endpoints.length > 1 ? circuitBreaker(handleWhen(isRecoverableError), { halfOpenAfter: o.memberRetryMs, breaker: new ConsecutiveBreaker(1) }) : noop),
      global: noop,
      // etcd3 declares an IBackoff here but calls `.next()` on it first (it
      // wants the factory), so the factory is passed through a cast.
      watchBackoff: new ExponentialBackoff({
        initialDelay: o.watchBackoffInitialMs,
        maxDelay: o.watchBackoffMaxMs,
      }) as unknown as IBackoff<unknown>,
    },
  };
  installEtcd3WatchFixes();
  return new Etcd3(config);
}

/**
 * fleetd's API security from its config: the token cache every fleetd
 * follows, the per-identity rate limiter and in-flight cap, the chain stages, the tokens
 * resource, and the TLS material and limits of the listeners.
 */
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
import type { Logger } from 'pino';
import { InflightLimiter, RateLimiter } from '../auth/index.js';
import type { ApiListenOptions, StartApiServerOptions } from '../api/index.js';
import { securityStages } from '../api/security.js';
import type { FleetMetrics } from '../metrics/index.js';
import { systemClock } from '../clock.js';
import { TokenCache, type Registry } from '../registry/index.js';
import type { ApiConfig } from './config.js';
import { ConfigError } from './config-error.js';

/** What `startApiServer` needs for security, plus the cache to close on stop. */
export interface ApiSecuritySetup {
  readonly server: Pick<StartApiServerOptions, 'chain' | 'tokens'>;
  readonly listen: Pick<ApiListenOptions, 'tls' | 'limits'>;
  readonly cache: TokenCache;
}

/**
 * Builds and starts (the token cache) fleetd's API security.
 * @throws {ConfigError} when a TLS file cannot be read or its PEM cannot be
 *   used (naming the option and path): fleetd refuses to start rather than
 *   retrying what no retry can fix.
 */
export function setUpApiSecurity(api: ApiConfig, registry: Registry, metrics: FleetMetrics, logger: Logger): ApiSecuritySetup {
  const tls = api.tls === undefined ? undefined : readApiTls(api.tls);
  const cache = new TokenCache(registry.tokens, { onError: (err) => logger.warn({ err }, 'reading the API tokens failed; retrying') });
  cache.start();
  const inflight = new InflightLimiter<() => void>(api.inflight);
  metrics.api.observeInflight(() => inflight.loadByGroup());
  const chain = securityStages({
    auth: api.auth,
    tokens: cache,
    limiter: { limits: api.rate, buckets: new RateLimiter(api.rate, systemClock) },
    inflight,
    now: () => Date.now(),
    logger: logger.child({ component: 'api' }),
    metrics: metrics.api,
  });
  return {
    server: { chain, tokens: { registry: registry.tokens, now: () => Date.now() } },
    listen: {
      ...(tls !== undefined ? { tls } : {}),
      limits: { headersTimeoutMs: api.headerTimeoutMs, requestTimeoutMs: api.bodyTimeoutMs, maxConnections: api.maxConnections },
    },
    cache,
  };
}

/** The TLS files' PEM text, checked by building a TLS context from it. */
function readApiTls(files: NonNullable<ApiConfig['tls']>): { cert: string; key: string; ca?: string } {
  const read = (option: string, path: string): string => {
    try {
      return readFileSync(path, 'utf8');
    } catch (err) {
      throw new ConfigError(option, 'configuration', `${path} cannot be read: ${(err as Error).message}`);
    }
  };
  const tls = {
    cert: read('api_cert_file', files.certFile),
    key: read('api_key_file', files.keyFile),
    ...(files.clientCaFile !== undefined ? { ca: read('api_client_ca_file', files.clientCaFile) } : {}),
  };
  try {
    createSecureContext({ cert: tls.cert, key: tls.key });
  } catch (err) {
    throw new ConfigError('api_cert_file', 'configuration', `${files.certFile} and api_key_file ${files.keyFile} are not a usable certificate and key: ${(err as Error).message}`);
  }
  if (tls.ca !== undefined) {
    try {
      new X509Certificate(tls.ca); // createSecureContext accepts text without any certificate
    } catch (err) {
      throw new ConfigError('api_client_ca_file', 'configuration', `${files.clientCaFile} is not a usable CA certificate: ${(err as Error).message}`);
    }
  }
  return tls;
}

/**
 * fleetd's API security from its config: the token cache every fleetd
 * follows, the per-identity rate limiter, the chain stages, the tokens
 * resource, and the TLS material and limits of the listeners.
 */
import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import { RateLimiter } from '../auth/index.js';
import type { ApiListenOptions, StartApiServerOptions } from '../api/index.js';
import { securityStages } from '../api/security.js';
import type { FleetMetrics } from '../metrics/index.js';
import { systemClock } from '../clock.js';
import { TokenCache, type Registry } from '../registry/index.js';
import type { ApiConfig } from './config.js';

/** What `startApiServer` needs for security, plus the cache to close on stop. */
export interface ApiSecuritySetup {
  readonly server: Pick<StartApiServerOptions, 'chain' | 'tokens'>;
  readonly listen: Pick<ApiListenOptions, 'tls' | 'limits'>;
  readonly cache: TokenCache;
}

/**
 * Builds and starts (the token cache) fleetd's API security.
 * @throws when a TLS file cannot be read (naming the option and path).
 */
export function setUpApiSecurity(api: ApiConfig, registry: Registry, metrics: FleetMetrics, logger: Logger): ApiSecuritySetup {
  const read = (option: string, path: string): string => {
    try {
      return readFileSync(path, 'utf8');
    } catch (err) {
      throw new Error(`${option} ${path} cannot be read: ${(err as Error).message}`);
    }
  };
  const tls =
    api.tls === undefined
      ? undefined
      : {
          cert: read('api_cert_file', api.tls.certFile),
          key: read('api_key_file', api.tls.keyFile),
          ...(api.tls.clientCaFile !== undefined ? { ca: read('api_client_ca_file', api.tls.clientCaFile) } : {}),
        };
  const cache = new TokenCache(registry.tokens, { onError: (err) => logger.warn({ err }, 'reading the API tokens failed; retrying') });
  cache.start();
  const chain = securityStages({
    auth: api.auth,
    tokens: cache,
    limiter: { limits: api.rate, buckets: new RateLimiter(api.rate, systemClock) },
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

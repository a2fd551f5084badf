/**
 * Builds the `FleetClient` the root flags ask for: the HTTP API driver
 * (default) or the registry driver straight to etcd.
 */
import { readFileSync } from 'node:fs';
import { parseApiEndpoint, type ApiEndpoint } from '../client/endpoint.js';
import { ClientConfigError, errorMessage } from '../client/errors.js';
import { HttpFleetClient } from '../client/http-client.js';
import { DEFAULT_RATE_LIMIT_ATTEMPTS, DEFAULT_RATE_LIMIT_MAX_DELAY_MS, type RateLimitRetry, type TlsFiles } from '../client/http-transport.js';
import type { FleetClient } from '../client/types.js';
import { defaultCaCertificates } from '../../src/tls/extra-ca-certs.js';
import { sleep } from '../wait/timing.js';
import { DEFAULT_ETCD_ENDPOINT, type GlobalOptions } from './global-options.js';

/** TLS files of the root flags; without `--ca-file`, an https endpoint verifies against the default roots (with any deferred `NODE_EXTRA_CA_CERTS`). */
function readTls(g: GlobalOptions, endpoint: ApiEndpoint): TlsFiles {
  const read = (path: string): string | undefined => {
    if (path === '') return undefined;
    try {
      return readFileSync(path, 'utf8');
    } catch (err) {
      throw new ClientConfigError(`unable to read ${path}: ${errorMessage(err)}`);
    }
  };
  const https = endpoint.kind === 'tcp' && endpoint.protocol === 'https:';
  const tls = { key: read(g.keyFile), cert: read(g.certFile), ca: read(g.caFile) ?? (https ? defaultCaCertificates() : undefined) };
  return Object.fromEntries(Object.entries(tls).filter(([, v]) => v !== undefined)) as TlsFiles;
}

/**
 * Builds the client. `warn` receives lines for stderr (e.g. ignored extra
 * endpoints). The etcd driver (etcd3 + gRPC, ~200 ms and ~30 MB to load) is
 * imported only when `--driver etcd` asks for it.
 * @throws {ClientConfigError} for an unknown driver, a bad endpoint or
 *   unreadable TLS files; the caller prints `Unable to initialize client: ...`.
 */
export async function createClient(g: GlobalOptions, warn: (line: string) => void): Promise<FleetClient> {
  if (g.tunnel !== '') throw new ClientConfigError('--tunnel is not supported: fleetctl reaches machines through their fleet API, not SSH');
  const timeoutMs = Math.round(g.requestTimeout * 1000);
  const token = g.token !== '' ? { token: g.token } : {};
  const rateLimit = rateLimitRetry(warn);
  if (g.driver === 'api') {
    const { endpoint, warnings } = parseApiEndpoint(g.endpoint);
    warnings.forEach(warn);
    // Transient failures are retried for up to one request timeout.
    return new HttpFleetClient({ endpoint, tls: readTls(g, endpoint), idleTimeoutMs: timeoutMs, rateLimit, ...token }, { budgetMs: timeoutMs, now: () => Date.now(), sleep: (ms) => sleep(ms) });
  }
  if (g.driver === 'etcd') {
    if ((g.keyFile === '') !== (g.certFile === '')) throw new ClientConfigError('--key-file and --cert-file must be given together');
    const endpoints = (g.endpointGiven ? g.endpoint : DEFAULT_ETCD_ENDPOINT).split(',').map((s) => s.trim()).filter((s) => s !== '');
    const tls = {
      ...(g.caFile !== '' ? { caFile: g.caFile } : {}),
      ...(g.certFile !== '' ? { certFile: g.certFile } : {}),
      ...(g.keyFile !== '' ? { keyFile: g.keyFile } : {}),
    };
    const [{ createEtcdRegistry }, { RegistryFleetClient }] = await Promise.all([import('../../src/registry/etcd-registry.js'), import('../client/registry-client.js')]);
    let registry;
    try {
      registry = createEtcdRegistry({ endpoints, prefix: g.etcdKeyPrefix, requestTimeoutMs: timeoutMs, dialTimeoutMs: timeoutMs, tls });
    } catch (err) {
      throw new ClientConfigError((err as Error).message);
    }
    return new RegistryFleetClient(registry.api, { tokens: registry.tokens, ...token, close: () => registry.close() });
  }
  throw new ClientConfigError(`unrecognized driver ${JSON.stringify(g.driver)}`);
}

/** Waits out 429s, telling stderr at most once every 5 s (a bulk command may be waiting on many requests at once). */
function rateLimitRetry(warn: (line: string) => void, now: () => number = Date.now): RateLimitRetry {
  let lastTold = -Infinity;
  return {
    attempts: DEFAULT_RATE_LIMIT_ATTEMPTS,
    maxDelayMs: DEFAULT_RATE_LIMIT_MAX_DELAY_MS,
    notify: (line) => {
      if (now() - lastTold < 5000) return;
      lastTold = now();
      warn(line);
    },
  };
}

import type { RegistryOpMetrics } from '../metrics/registry-ops.js';
import type { KvBackend } from './kv.js';

/**
 * A {@link KvBackend} that records every request's duration and outcome in
 * the `fleet_registry_*` metrics (fleet's names: `get`, `get_all`, plus
 * ours: `txn`, `lease_grant`, `lease_keepalive`, `lease_revoke`, `compact`).
 * Watches are streams, not requests, and are not counted. Behaviour is the
 * wrapped backend's: results and errors pass through unchanged.
 */
export function meteredKv(kv: KvBackend, metrics: RegistryOpMetrics): KvBackend {
  const m: KvBackend = {
    get: (key) => metrics.time('get', () => kv.get(key)),
    list: (prefix) => metrics.time('get_all', () => kv.list(prefix)),
    txn: (compares, success, failure) => metrics.time('txn', () => kv.txn(compares, success, failure)),
    watch: (prefix, fromRevision, listener, options) => kv.watch(prefix, fromRevision, listener, options),
    grantLease: (ttlSeconds) => metrics.time('lease_grant', () => kv.grantLease(ttlSeconds)),
    keepAlive: (leaseId) => metrics.time('lease_keepalive', () => kv.keepAlive(leaseId)),
    revokeLease: (leaseId) => metrics.time('lease_revoke', () => kv.revokeLease(leaseId)),
    compact: (revision) => metrics.time('compact', () => kv.compact(revision)),
    ...(kv.hasCompacted !== undefined ? { hasCompacted: (revision: bigint) => metrics.time('get', () => kv.hasCompacted!(revision)) } : {}),
    close: () => kv.close(),
  };
  const listPrefixes = kv.listPrefixes?.bind(kv);
  const scanPrefixes = kv.scanPrefixes?.bind(kv);
  return {
    ...m,
    ...(listPrefixes !== undefined ? { listPrefixes: (prefixes: readonly string[]) => metrics.time('get_all', () => listPrefixes(prefixes)) } : {}),
    ...(scanPrefixes !== undefined ? { scanPrefixes: (prefixes: readonly string[], onPage: Parameters<typeof scanPrefixes>[1]) => metrics.time('get_all', () => scanPrefixes(prefixes, onPage)) } : {}),
  };
}

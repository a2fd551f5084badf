import type { EtcdClientOptions } from './etcd-client.js';
import { EtcdKv } from './etcd-kv.js';
import { createRegistry, type Registry, type RegistryOptions } from './registry.js';

/**
 * A registry on a real etcd v3 cluster. The client connects lazily; the
 * first call dials. `close()` releases the client.
 */
export function createEtcdRegistry(options: RegistryOptions & EtcdClientOptions): Registry {
  return createRegistry(new EtcdKv(options), options);
}

import { MemoryKv, type MemoryKvOptions } from './memory-kv.js';
import { createRegistry, type Registry, type RegistryOptions } from './registry.js';

/** A registry whose backend is the in-process {@link MemoryKv} (exposed for fault injection and compaction). */
export interface MemoryRegistry extends Registry {
  readonly kv: MemoryKv;
}

/**
 * An in-memory registry with etcd semantics (revisions, watches, leases
 * expiring on `clock`). Pass a `ManualClock` to drive lease expiry in tests.
 */
export function createMemoryRegistry(options: RegistryOptions & MemoryKvOptions = {}): MemoryRegistry {
  const kv = new MemoryKv(options);
  return { ...createRegistry(kv, options), kv };
}

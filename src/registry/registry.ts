import { KvAgentRegistry } from './agent-registry.js';
import { KvApiRegistry } from './api-registry.js';
import type { Clock } from '../clock.js';
import { KvElection, type ElectionOptions } from './election.js';
import { KvEngineRegistry } from './engine-registry.js';
import type { CorruptRecordError } from './errors.js';
import { DEFAULT_MAX_TXN_OPS } from './fenced.js';
import { DEFAULT_KEY_PREFIX } from '../domain/index.js';
import { KeyLayout } from './keys.js';
import type { KvBackend } from './kv.js';
import type { AgentRegistry, ApiRegistry, EngineRegistry, LeaderElection } from './roles.js';
import { KvTokenRegistry, type TokenRegistry } from './token-registry.js';
import type { RegistryOpMetrics } from '../metrics/registry-ops.js';
import { meteredKv } from './metered-kv.js';

/** Options shared by every registry; all optional. */
export interface RegistryOptions {
  /** Key prefix; default `/fleet/`. */
  readonly prefix?: string;
  /** Clock for leases, elections and retries; default the system clock. */
  readonly clock?: Clock;
  /** Operations per transaction before a batch is split; default 128 (etcd's `--max-txn-ops`). */
  readonly maxOpsPerTxn?: number;
  /** Receives records that could not be decoded (they are treated as absent); default ignore. */
  readonly warn?: (err: CorruptRecordError) => void;
  /** Records every etcd request in the `fleet_registry_*` metrics; default none. */
  readonly metrics?: RegistryOpMetrics;
}

/** A registry: one storage backend seen through the three roles, plus elections. */
export interface Registry {
  /** The key layout in use. */
  readonly layout: KeyLayout;
  /** The storage backend (for tests and tooling; components use the roles). */
  readonly kv: KvBackend;
  /** What the engine needs. */
  readonly engine: EngineRegistry;
  /** What an agent needs. */
  readonly agent: AgentRegistry;
  /** What the API and fleetctl need. */
  readonly api: ApiRegistry;
  /** API tokens (the API's authentication and `fleetctl token`). */
  readonly tokens: TokenRegistry;
  /** A new (not yet started) engine-leader candidate. */
  election(options: Omit<ElectionOptions, 'clock'>): LeaderElection;
  /** Closes the backend; elections and presences on it stop working. */
  close(): Promise<void>;
}

/** Builds the role implementations over `kv`. Throws `InvalidNameError` for a bad prefix. */
export function createRegistry(backend: KvBackend, options: RegistryOptions = {}): Registry {
  const kv = options.metrics === undefined ? backend : meteredKv(backend, options.metrics);
  const layout = new KeyLayout(options.prefix ?? DEFAULT_KEY_PREFIX);
  const warn = options.warn ?? (() => undefined);
  const maxOps = options.maxOpsPerTxn ?? DEFAULT_MAX_TXN_OPS;
  return {
    layout,
    kv,
    engine: new KvEngineRegistry(kv, layout, warn, maxOps),
    agent: new KvAgentRegistry(kv, layout, warn, maxOps, options.clock),
    api: new KvApiRegistry(kv, layout, warn, maxOps),
    tokens: new KvTokenRegistry(kv, layout, warn),
    election: (o) => new KvElection(kv, layout, { ...o, clock: options.clock }),
    close: () => kv.close(),
  };
}

/**
 * The registry: fleet's view of etcd. Components receive one role
 * (`EngineRegistry`, `AgentRegistry`, `ApiRegistry`) and, for the engine, a
 * `LeaderElection`; only the composition root builds a registry.
 */
export * from './errors.js';
export * from './keys.js';
export * from './records.js';
export * from './events.js';
export * from './roles.js';
export type { BodyReferenceView, CollectableBody, UnitUpgradeReport } from './bodies.js';
export type { KvBackend, KeyValue, KvEvent, KvWatchListener, KvWatchOptions, Compare, TxnOp, TxnResult, LeaseGrant, ResyncReason } from './kv.js';
export { LeaseKeeper, type LeaseEvents, type LeaseKeeperOptions } from './lease.js';
export { KvElection, type ElectionOptions } from './election.js';
export { applyFenced, fenceCompares, DEFAULT_MAX_TXN_OPS } from './fenced.js';
export { follow, type FollowListener, type FollowOptions, type FollowSource } from './watch.js';
export { KvTokenRegistry, type TokenRegistry, type TokenEvent } from './token-registry.js';
export { TokenCache, type TokenCacheOptions } from './token-cache.js';
export { executeUnitPut, readUnitPutInputs, runUnitBatch, unitRecord, type UnitBatchItem, type UnitBatchOutcome, type UnitBatchStore, type UnitPutInputs, type UnitPutStore } from './unit-put.js';
export { createRegistry, type Registry, type RegistryOptions } from './registry.js';
export { createMemoryRegistry, type MemoryRegistry } from './memory-registry.js';
export { MemoryKv, type MemoryKvOptions } from './memory-kv.js';
export { createEtcdRegistry } from './etcd-registry.js';
export { createEtcdClient, resolveEtcdClientOptions, type EtcdClientOptions, type ResolvedEtcdClientOptions } from './etcd-client.js';
export * from './rollout-records.js';
export { executeRolloutCreate, executeRolloutControl, type RolloutStore } from './rollout-ops.js';

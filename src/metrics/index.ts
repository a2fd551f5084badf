/** Prometheus metrics: one registry per fleetd and a typed recorder per component. */
export { createFleetMetrics, type FleetMetrics, type FleetMetricsOptions } from './fleet-metrics.js';
export type { EngineMetrics, EngineFailure } from './engine.js';
export type { RegistryOpMetrics } from './registry-ops.js';
export type { AgentMetrics, DbusMetrics, CallResult } from './agent.js';
export type { ApiMetrics } from './api.js';

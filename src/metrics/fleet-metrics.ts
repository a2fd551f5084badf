import { collectDefaultMetrics, Registry } from 'prom-client';
import { createAgentMetrics, createDbusMetrics, type AgentMetrics, type DbusMetrics } from './agent.js';
import { createApiMetrics, type ApiMetrics } from './api.js';
import { createEngineMetrics, type EngineMetrics } from './engine.js';
import { createRegistryOpMetrics, type RegistryOpMetrics } from './registry-ops.js';

/**
 * One fleetd's metrics: a prom-client registry (served at `/metrics`) and a
 * typed recorder per component. The composition root creates one and hands
 * each component its recorder (`metrics.engine` to the engine, ...), so no
 * module holds global metric state and tests get fresh counters.
 */
export interface FleetMetrics {
  /** The Prometheus registry; other components may register further metrics in it. */
  readonly registry: Registry;
  readonly engine: EngineMetrics;
  readonly registryOps: RegistryOpMetrics;
  readonly agent: AgentMetrics;
  readonly dbus: DbusMetrics;
  readonly api: ApiMetrics;
  /** The registry in Prometheus text format, and its content type. */
  render(): Promise<{ contentType: string; text: string }>;
}

/** Options of {@link createFleetMetrics}; all optional. */
export interface FleetMetricsOptions {
  /** Also export Node process metrics (`process_*`, `nodejs_*`); default false (keeps tests and scrapes small). */
  readonly processMetrics?: boolean;
}

/** Creates a fresh registry with every fleet metric registered. Never throws. */
export function createFleetMetrics(options: FleetMetricsOptions = {}): FleetMetrics {
  const registry = new Registry();
  if (options.processMetrics === true) collectDefaultMetrics({ register: registry });
  return {
    registry,
    engine: createEngineMetrics(registry),
    registryOps: createRegistryOpMetrics(registry),
    agent: createAgentMetrics(registry),
    dbus: createDbusMetrics(registry),
    api: createApiMetrics(registry),
    render: async () => ({ contentType: registry.contentType, text: await registry.metrics() }),
  };
}

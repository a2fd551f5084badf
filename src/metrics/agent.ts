import { Counter, Gauge, type Registry } from 'prom-client';
import { allocatableOf, type MachineResources } from '../resources/index.js';

/** Outcome label of agent tasks and D-Bus calls. */
export type CallResult = 'success' | 'failure';

/** What an agent reports (`fleet_agent_*`; fleet had no agent metrics, these are ours). */
export interface AgentMetrics {
  /** One agent task (`type` e.g. `load`, `start`, `stop`, `unload`) finished. */
  task(type: string, ok: boolean): void;
  /** This machine's resources as published (`fleet_machine_resource_*{resource}`). */
  resources?(r: MachineResources): void;
}

/** What the systemd driver reports (`fleet_dbus_*`). */
export interface DbusMetrics {
  /** One D-Bus method call (`method` e.g. `StartUnit`, `Reload`) finished. */
  call(method: string, ok: boolean): void;
  /** Re-reading unit states (after signals, or the periodic resync) failed; the next resync retries. */
  refreshFailed(): void;
  /** One systemd signal received (`signal` e.g. `JobRemoved`, `PropertiesChanged(Unit)`). */
  signal(signal: string): void;
}

/** Registers the agent metrics in `registry` and returns their recorder. */
export function createAgentMetrics(registry: Registry): AgentMetrics {
  const tasks = new Counter({ name: 'fleet_agent_task_count_total', help: 'Counter of agent tasks by type and result.', labelNames: ['type', 'result'], registers: [registry] });
  const gauges = {
    capacity: new Gauge({ name: 'fleet_machine_resource_capacity', help: 'This machine\'s capacity per resource (cores, bytes or count).', labelNames: ['resource'], registers: [registry] }),
    allocatable: new Gauge({ name: 'fleet_machine_resource_allocatable', help: 'Capacity minus reserved per resource.', labelNames: ['resource'], registers: [registry] }),
    allocated: new Gauge({ name: 'fleet_machine_resource_allocated', help: 'Requests of the units scheduled to this machine per resource.', labelNames: ['resource'], registers: [registry] }),
  };
  return {
    task: (type, ok) => tasks.inc({ type: type.toLowerCase(), result: result(ok) }),
    resources(r) {
      const allocatable = allocatableOf(r);
      for (const g of Object.values(gauges)) g.reset();
      for (const [name, v] of Object.entries(r.capacity)) gauges.capacity.set({ resource: name }, v);
      for (const [name, v] of Object.entries(allocatable)) gauges.allocatable.set({ resource: name }, v);
      for (const name of new Set([...Object.keys(allocatable), ...Object.keys(r.allocated)])) gauges.allocated.set({ resource: name }, r.allocated[name] ?? 0);
    },
  };
}

/** Registers the D-Bus metrics in `registry` and returns their recorder. */
export function createDbusMetrics(registry: Registry): DbusMetrics {
  const calls = new Counter({ name: 'fleet_dbus_call_count_total', help: 'Counter of systemd D-Bus method calls by method and result.', labelNames: ['method', 'result'], registers: [registry] });
  const refreshFailures = new Counter({ name: 'fleet_dbus_refresh_failed_total', help: 'Counter of failed re-reads of unit states from systemd.', registers: [registry] });
  const signals = new Counter({ name: 'fleet_dbus_signal_count_total', help: 'Counter of systemd D-Bus signals received by signal.', labelNames: ['signal'], registers: [registry] });
  return { call: (method, ok) => calls.inc({ method, result: result(ok) }), refreshFailed: () => refreshFailures.inc(), signal: (signal) => signals.inc({ signal }) };
}

function result(ok: boolean): CallResult {
  return ok ? 'success' : 'failure';
}

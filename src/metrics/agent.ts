import { Counter, type Registry } from 'prom-client';

/** Outcome label of agent tasks and D-Bus calls. */
export type CallResult = 'success' | 'failure';

/** What an agent reports (`fleet_agent_*`; fleet had no agent metrics, these are ours). */
export interface AgentMetrics {
  /** One agent task (`type` e.g. `load`, `start`, `stop`, `unload`) finished. */
  task(type: string, ok: boolean): void;
}

/** What the systemd driver reports (`fleet_dbus_*`). */
export interface DbusMetrics {
  /** One D-Bus method call (`method` e.g. `StartUnit`, `Reload`) finished. */
  call(method: string, ok: boolean): void;
}

/** Registers the agent metrics in `registry` and returns their recorder. */
export function createAgentMetrics(registry: Registry): AgentMetrics {
  const tasks = new Counter({ name: 'fleet_agent_task_count_total', help: 'Counter of agent tasks by type and result.', labelNames: ['type', 'result'], registers: [registry] });
  return { task: (type, ok) => tasks.inc({ type: type.toLowerCase(), result: result(ok) }) };
}

/** Registers the D-Bus metrics in `registry` and returns their recorder. */
export function createDbusMetrics(registry: Registry): DbusMetrics {
  const calls = new Counter({ name: 'fleet_dbus_call_count_total', help: 'Counter of systemd D-Bus method calls by method and result.', labelNames: ['method', 'result'], registers: [registry] });
  return { call: (method, ok) => calls.inc({ method, result: result(ok) }) };
}

function result(ok: boolean): CallResult {
  return ok ? 'success' : 'failure';
}

import { Counter, Histogram, type Registry } from 'prom-client';

/**
 * What the registry reports per operation (fleet's `fleet_registry_*`).
 * `op` is a short verb such as `get`, `set`, `get_all` (fleet's values),
 * `txn`, `list` or `watch`; keep the set small, it becomes a label.
 */
export interface RegistryOpMetrics {
  /** One operation finished after `durationMs`; `ok` false counts it as failed (failed ones get no duration, as in fleet). */
  operation(op: string, durationMs: number, ok: boolean): void;
  /**
   * Wraps `fn`, recording its duration and outcome under `op`.
   * @returns what `fn` returns; rethrows what it throws.
   */
  time<T>(op: string, fn: () => Promise<T>, now?: () => number): Promise<T>;
}

/** Registers the registry metrics in `registry` and returns their recorder. */
export function createRegistryOpMetrics(registry: Registry): RegistryOpMetrics {
  const registers = [registry];
  const count = new Counter({ name: 'fleet_registry_operation_count_total', help: 'Counter of registry operations.', labelNames: ['type'], registers });
  const failed = new Counter({ name: 'fleet_registry_operation_failed_count_total', help: 'Counter of failed registry operations.', labelNames: ['type'], registers });
  const duration = new Histogram({ name: 'fleet_registry_operation_duration_second', help: 'Histogram of time (in seconds) each registry operation takes.', labelNames: ['ops'], registers });
  const recorder: RegistryOpMetrics = {
    operation(op, durationMs, ok) {
      if (!ok) {
        failed.inc({ type: op });
        return;
      }
      count.inc({ type: op });
      duration.observe({ ops: op }, durationMs / 1000);
    },
    async time(op, fn, now = () => performance.now()) {
      const start = now();
      try {
        const result = await fn();
        recorder.operation(op, now() - start, true);
        return result;
      } catch (err) {
        recorder.operation(op, now() - start, false);
        throw err;
      }
    },
  };
  return recorder;
}

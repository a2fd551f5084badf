/** The engine's Prometheus metrics (`fleet_engine_*`, fleet's names) as an {@link EngineObserver}. */
import type { EngineMetrics } from '../metrics/engine.js';
import type { EngineObserver } from './observer.js';
import { unplacedByFilter } from '../scheduler/explain.js';

/** Reports leadership, passes and schedule tasks to `metrics`. */
export function metricsObserver(metrics: EngineMetrics): EngineObserver {
  return {
    elected: (e) => metrics.leaderStarted(e.atMs),
    deposed: () => {
      metrics.leaderStopped();
      metrics.unplaced(undefined);
    },
    planned: (pass) => metrics.unplaced(unplacedByFilter(pass.plan.unplaced)),
    applied(pass, durationMs) {
      metrics.reconciled(durationMs);
      for (const op of pass.ops) metrics.task(op.type === 'put' ? 'schedule' : 'unschedule', true);
    },
    preempted(preemptions) {
      for (const p of preemptions) metrics.preempted(p.victims.length);
    },
    preemptionFlapping: () => metrics.preemptionFlapping(),
    writeFailed(pass, _err, durationMs) {
      metrics.reconciled(durationMs, 'schedule');
      for (const op of pass.ops) metrics.task(op.type === 'put' ? 'schedule' : 'unschedule', false);
    },
  };
}

import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** Why an engine reconcile pass failed; fleet's `type` label values. */
export type EngineFailure = 'machine_away' | 'run' | 'schedule';

/**
 * What the engine reports. Names and labels are fleet's
 * (`fleet_engine_*`), so existing dashboards keep working.
 */
export interface EngineMetrics {
  /** This fleetd became engine leader at `atMs` (ms since the epoch); sets `fleet_engine_leader_start_time` in seconds. */
  leaderStarted(atMs: number): void;
  /** This fleetd stopped leading: resets the leader gauge to 0 so only the current leader shows a start time. */
  leaderStopped(): void;
  /** One schedule task (`type` e.g. `schedule`, `unschedule`) was executed; `ok` false also counts a failure. */
  task(type: string, ok: boolean): void;
  /** One reconcile pass finished after `durationMs`; a failed pass counts under `fleet_engine_reconcile_failure_count_total{type}`. */
  reconciled(durationMs: number, failure?: EngineFailure): void;
  /** A unit was placed by preempting `victims` units (`fleet_engine_preemptions_total`, `fleet_engine_preemption_victims_total`). */
  preempted(victims: number): void;
  /** A unit was preempted too often within a minute and is shielded (`fleet_engine_preemption_flapping_total`). */
  preemptionFlapping(): void;
  /** Units the last pass left unplaced, per filter (`fleet_engine_unplaced_units{filter}`); undefined clears it (not leading). */
  unplaced(byFilter: ReadonlyMap<string, number> | undefined): void;
}

/** Registers the engine metrics in `registry` and returns their recorder. */
export function createEngineMetrics(registry: Registry): EngineMetrics {
  const registers = [registry];
  const leader = new Gauge({ name: 'fleet_engine_leader_start_time', help: 'Start time of becoming an engine leader since epoch in seconds.', registers });
  const tasks = new Counter({ name: 'fleet_engine_task_count_total', help: 'Counter of engine schedule tasks.', labelNames: ['type'], registers });
  const taskFailures = new Counter({ name: 'fleet_engine_task_failure_count_total', help: 'Counter of engine schedule task failures.', labelNames: ['type'], registers });
  const reconciles = new Counter({ name: 'fleet_engine_reconcile_count_total', help: 'Counter of reconcile rounds.', registers });
  const duration = new Histogram({ name: 'fleet_engine_reconcile_duration_second', help: 'Histogram of time (in seconds) each schedule round takes.', registers });
  const failures = new Counter({ name: 'fleet_engine_reconcile_failure_count_total', help: 'Counter of scheduling failures.', labelNames: ['type'], registers });
  const preemptions = new Counter({ name: 'fleet_engine_preemptions_total', help: 'Units placed by preempting units of lower priority.', registers });
  const victims = new Counter({ name: 'fleet_engine_preemption_victims_total', help: 'Units stopped to make room for units of higher priority.', registers });
  const flapping = new Counter({ name: 'fleet_engine_preemption_flapping_total', help: 'Units preempted too often within a minute (then shielded from preemption for the rest of it).', registers });
  const unplaced = new Gauge({
    name: 'fleet_engine_unplaced_units',
    help: 'Units the last scheduling pass left without a machine, by the filter that rejected most machines for each (NoMachines: none registered).',
    labelNames: ['filter'],
    registers,
  });
  return {
    unplaced(byFilter) {
      unplaced.reset();
      for (const [filter, n] of byFilter ?? []) unplaced.set({ filter }, n);
    },
    preempted(n) {
      preemptions.inc();
      victims.inc(n);
    },
    preemptionFlapping: () => flapping.inc(),
    leaderStarted: (atMs) => leader.set(Math.floor(atMs / 1000)),
    leaderStopped: () => leader.set(0),
    task(type, ok) {
      const t = type.toLowerCase();
      tasks.inc({ type: t });
      if (!ok) taskFailures.inc({ type: t });
    },
    reconciled(durationMs, failure) {
      if (failure !== undefined) {
        failures.inc({ type: failure });
        return;
      }
      reconciles.inc();
      duration.observe(durationMs / 1000);
    },
  };
}

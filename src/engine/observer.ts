/**
 * What the engine tells the world: decisions, unplaced units and why,
 * warnings, failovers. Logs and metrics are two implementations
 * (`log-observer.ts`, `metrics-observer.ts`); an event stream is meant to be
 * a third. The engine calls these synchronously and never waits for them; an
 * observer must not throw (a throw is caught and dropped).
 */
import type { Plan, Preemption } from '../scheduler/index.js';
import type { ScheduleOp, UnitUpgradeReport } from '../registry/index.js';
import type { BrokenUnit } from './snapshot.js';
import type { RolloutEvent } from '../rollout/index.js';

/** One pass, decided. */
export interface PassReport {
  /** The scheduler's plan: decisions (with reasons), every unplaced unit's explanation, warnings. */
  readonly plan: Plan;
  /** Units left out because their `[X-Fleet]` cannot be used, by name. */
  readonly broken: readonly BrokenUnit[];
  /** The schedule writes the pass makes: the decisions plus hash/target refreshes of kept entries. */
  readonly ops: readonly ScheduleOp[];
  /** Time spent deciding, ms. */
  readonly planMs: number;
}

/** Receives the engine's events; every method is optional. */
export interface EngineObserver {
  /** This host became engine leader at `atMs`; `cordoned` is set when it cordoned the previous leader's machine. */
  elected?(e: { readonly atMs: number; readonly cordoned?: { readonly machine: string; readonly forMs: number } }): void;
  /** This host stopped leading (it had led). */
  deposed?(reason: string): void;
  /** The cache was (re)loaded from a registry snapshot. */
  loaded?(e: { readonly revision: bigint; readonly units: number; readonly machines: number }): void;
  /** A cordon ended: the machine left, or its time was up. */
  cordonLifted?(machine: string, why: 'left' | 'expired'): void;
  /** A pass decided, before it writes. Carries every unplaced unit and warning each time, changed or not. */
  planned?(pass: PassReport): void;
  /** The pass's writes were applied (or it had none); `durationMs` counts from the start of planning. */
  applied?(pass: PassReport, durationMs: number): void;
  /** The pass's writes (which carry out `preemptions`, in the order decided) were applied. */
  preempted?(preemptions: readonly Preemption[]): void;
  /** `unit` was preempted `count` times within `windowMs` (last by `by`): reported once per window; it is not preempted again until the window passes. */
  preemptionFlapping?(e: { readonly unit: string; readonly count: number; readonly windowMs: number; readonly by: { readonly unit: string; readonly priority: number } }): void;
  /** The pass's writes failed; `notLeader` when leadership was lost meanwhile (the new leader decides). */
  writeFailed?(pass: PassReport, err: unknown, durationMs: number, notLeader: boolean): void;
  /** Unplaced records were written (`writes` puts and deletes); `deferred` more wait for a later pass (see `maxUnplacedWritesPerPass`). */
  published?(writes: number, deferred: number): void;
  /** Unit records written by a fleetd older than bodies were rewritten in the current format, with their bodies. */
  recordsUpgraded?(e: UnitUpgradeReport): void;
  /** Unit bodies nothing refers to any more were deleted (by content hash). */
  bodiesCollected?(hashes: readonly string[]): void;
  /** A rollout moved (started, a batch started/healthy/failed/reverted, done, reverted, failed): the event stream's hook. */
  rollout?(event: RolloutEvent): void;
  /**
   * Trouble the engine rides out by itself: election keepalive, listing the
   * cluster, a watch that lost its place, publishing explanations, upgrading
   * old unit records or deleting unused bodies (all retried).
   */
  trouble?(what: 'election' | 'list' | 'resync' | 'publish' | 'upgrade' | 'collect' | 'rollout', detail: unknown): void;
}

/** One observer that forwards every event to each of `observers`, in order; a throwing observer does not stop the others. */
export function fanOut(observers: ReadonlyArray<EngineObserver | undefined>): Required<EngineObserver> {
  const list = observers.filter((o): o is EngineObserver => o !== undefined);
  const call =
    <K extends keyof EngineObserver>(k: K) =>
    (...args: Parameters<Required<EngineObserver>[K]>): void => {
      for (const o of list) {
        try {
          (o[k] as ((...a: typeof args) => void) | undefined)?.(...args);
        } catch {
          // Observers are for reporting; a broken one must not break scheduling.
        }
      }
    };
  return {
    elected: call('elected'),
    deposed: call('deposed'),
    loaded: call('loaded'),
    cordonLifted: call('cordonLifted'),
    planned: call('planned'),
    applied: call('applied'),
    preempted: call('preempted'),
    preemptionFlapping: call('preemptionFlapping'),
    writeFailed: call('writeFailed'),
    published: call('published'),
    recordsUpgraded: call('recordsUpgraded'),
    bodiesCollected: call('bodiesCollected'),
    rollout: call('rollout'),
    trouble: call('trouble'),
  };
}

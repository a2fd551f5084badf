/**
 * The cluster's events: what `GET /fleet/v1/events` streams, `fleetctl
 * events` prints, notification sinks receive and the dashboard consumes.
 * This is the wire format (JSON, one object per event); it is documented in
 * `src/api/README.md` and only ever grows (new types, new optional fields).
 */
import type { ActiveState, DesiredState, LoadState, SubState } from '../domain/index.js';

/** Every event type, in the order the README lists them. */
export const EVENT_TYPES = [
  'unit.submitted',
  'unit.replaced',
  'unit.destroyed',
  'unit.desired',
  'unit.scheduled',
  'unit.unscheduled',
  'unit.state',
  'unit.failed',
  'unit.unplaceable',
  'machine.joined',
  'machine.left',
  'machine.metadata',
  'leader.changed',
  'anomaly.unit-failing',
  'anomaly.unit-flapping',
  'anomaly.machine-lost',
  'anomaly.unit-unplaced',
  'anomaly.leader-changed',
  'rollout.started',
  'rollout.batch-started',
  'rollout.batch-healthy',
  'rollout.batch-failed',
  'rollout.failed',
  'rollout.reverting',
  'rollout.reverted',
  'rollout.done',
] as const;

/** One of {@link EVENT_TYPES}. */
export type EventType = (typeof EVENT_TYPES)[number];

/** The anomaly detectors' names (the part after `anomaly.`). */
export type AnomalyKind = 'unit-failing' | 'unit-flapping' | 'machine-lost' | 'unit-unplaced' | 'leader-changed';

/** True when `s` names an event type. */
export function isEventType(s: string): s is EventType {
  return (EVENT_TYPES as readonly string[]).includes(s);
}

/** What every event carries. */
interface EventBase {
  /** The etcd revision the event was derived from; resume a stream after it with `?from=<revision + 1>`. */
  readonly revision: number;
  /**
   * When it happened, ISO 8601: the agent's observation time for state
   * events, the detection time for anomalies, otherwise when this fleetd
   * saw the change (for a stream resumed from history: when it was replayed).
   */
  readonly time: string;
  /** The unit concerned, if any. */
  readonly unit?: string;
  /** The machine concerned, if any. */
  readonly machine?: string;
}

/** systemd's three states of a unit on one machine. */
export interface UnitStates {
  readonly loadState: LoadState;
  readonly activeState: ActiveState;
  readonly subState: SubState;
}

/** A cluster event (discriminated by `type`). */
export type FleetEvent = EventBase &
  (
    | { readonly type: 'unit.submitted'; readonly unit: string; readonly hash: string }
    | { readonly type: 'unit.replaced'; readonly unit: string; readonly hash: string; readonly previousHash: string }
    | { readonly type: 'unit.destroyed'; readonly unit: string }
    | { readonly type: 'unit.desired'; readonly unit: string; readonly desiredState: DesiredState; readonly previous?: DesiredState }
    /** `reason`: the engine's, e.g. `placed`, `rescheduled: machine m2 went away`; absent when the writer gave none (an older engine). */
    | { readonly type: 'unit.scheduled'; readonly unit: string; readonly machine: string; readonly hash: string; readonly reason?: string }
    | { readonly type: 'unit.unscheduled'; readonly unit: string; readonly machine: string; readonly reason?: string }
    | ({ readonly type: 'unit.state'; readonly unit: string; readonly machine: string; readonly hash: string; readonly previous?: UnitStates; readonly restarts?: number } & UnitStates)
    | { readonly type: 'unit.failed'; readonly unit: string; readonly machine: string; readonly subState: SubState }
    /** The engine's explanation (`status` invalid: the unit's `[X-Fleet]` cannot be used). */
    | { readonly type: 'unit.unplaceable'; readonly unit: string; readonly status: 'unschedulable' | 'invalid'; readonly message: string }
    | { readonly type: 'machine.joined'; readonly machine: string; readonly publicIP: string; readonly metadata: Readonly<Record<string, string>> }
    | { readonly type: 'machine.left'; readonly machine: string }
    /** `changed`: each metadata key whose value changed, with its new value (null: removed). */
    | { readonly type: 'machine.metadata'; readonly machine: string; readonly changed: Readonly<Record<string, string | null>> }
    /** `machine`: the new leader (absent: none right now); `previous`: the one before. */
    | { readonly type: 'leader.changed'; readonly previous?: string }
    | { readonly type: `anomaly.${AnomalyKind}`; readonly message: string }
    /** Rollouts (`unit`: the group, a template or unit name); see `src/events/rollout-events.ts`. */
    | { readonly type: 'rollout.started'; readonly unit: string; readonly kind: 'template' | 'global' | 'unit'; readonly fromHash: string; readonly toHash: string; readonly phase: string }
    | { readonly type: 'rollout.batch-started'; readonly unit: string; readonly batch: number; readonly batchKind: 'update' | 'revert'; readonly targets: readonly string[] }
    | { readonly type: 'rollout.batch-healthy' | 'rollout.batch-failed'; readonly unit: string; readonly batch: number; readonly batchKind: 'update' | 'revert'; readonly targets: readonly string[]; readonly reason?: string }
    | { readonly type: 'rollout.failed' | 'rollout.reverting' | 'rollout.reverted' | 'rollout.done'; readonly unit: string; readonly message?: string }
  );

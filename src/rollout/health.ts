/**
 * Health of one target during its batch (pure): healthy once systemd on its
 * host has reported it active/running on the wanted text, without
 * interruption, for `min_healthy_time`. A `Type=notify` service is
 * `activating` until READY, so it counts only after READY. A failed unit
 * fails at once; one that leaves running (or restarts) too often flaps.
 */
import type { ActiveState, SubState } from '../domain/index.js';
import { parseUnitName } from '../units/index.js';
import type { RolloutTarget } from './types.js';

/** What the agent on the target's host last published for it (`state/<unit>/<machine>`). */
export interface TargetObservation {
  /** Hash of the text the agent loaded. */
  readonly hash: string;
  readonly activeState: ActiveState;
  readonly subState: SubState;
  /** The agent's time of the report, ms. */
  readonly timestamp: number;
}

/** Times a target may be seen leaving running (or restarting) in one batch before it counts as flapping. */
export const FLAP_RESTARTS = 3;

/** Where a target stands after one look. */
export type HealthVerdict = { readonly target: RolloutTarget; readonly verdict: 'healthy' | 'waiting' } | { readonly target: RolloutTarget; readonly verdict: 'failed'; readonly reason: string };

/** Whether `obs` is "running" for unit `unit`: a service active/running; any other type active. */
export function isRunning(unit: string, obs: TargetObservation): boolean {
  if (obs.activeState !== 'active') return false;
  return parseUnitName(unit)?.type !== 'service' || obs.subState === 'running';
}

/**
 * Judges `t`, which should run `wantHash`, from `obs` at `now`.
 * @returns the target with its tracking fields updated (`runningSince`,
 *   `stateStamp`, `restarts`) and the verdict.
 */
export function judgeTarget(t: RolloutTarget, wantHash: string, obs: TargetObservation | undefined, now: number, minHealthyTimeMs: number): HealthVerdict {
  if (obs === undefined || obs.hash !== wantHash) {
    // Not yet switched (or not reported): nothing to judge.
    return { target: withoutRun(t), verdict: 'waiting' };
  }
  if (obs.activeState === 'failed') {
    return { target: withoutRun(t), verdict: 'failed', reason: `${where(t)} failed (${obs.activeState}/${obs.subState})` };
  }
  let next: RolloutTarget;
  if (isRunning(t.unit, obs)) {
    if (t.runningSince === undefined) next = { ...t, runningSince: now, stateStamp: obs.timestamp };
    else if (t.stateStamp !== obs.timestamp) next = { ...t, runningSince: now, stateStamp: obs.timestamp, restarts: (t.restarts ?? 0) + 1 };
    else next = t;
  } else {
    next = t.runningSince === undefined ? t : { ...withoutRun(t), restarts: (t.restarts ?? 0) + 1 };
  }
  if ((next.restarts ?? 0) >= FLAP_RESTARTS) {
    return { target: withoutRun(next), verdict: 'failed', reason: `${where(t)} is flapping (left running ${next.restarts} times; now ${obs.activeState}/${obs.subState})` };
  }
  const healthy = next.runningSince !== undefined && now - next.runningSince >= minHealthyTimeMs;
  return { target: next, verdict: healthy ? 'healthy' : 'waiting' };
}

/** `web@1.service on m2`. */
export function where(t: Pick<RolloutTarget, 'unit' | 'machine'>): string {
  return `${t.unit} on ${t.machine}`;
}

function withoutRun(t: RolloutTarget): RolloutTarget {
  if (t.runningSince === undefined && t.stateStamp === undefined) return t;
  const { runningSince: _s, stateStamp: _p, ...rest } = t;
  return rest;
}

/**
 * Blocking until units report a state (§5.6), with fleet's quirks fixed:
 * `--block-attempts=N` is N windows everywhere, 0 waits forever, the
 * systemd-active check of `start` is a real wait with the same bound, and a
 * unit that cannot be scheduled says why (when the cluster can tell).
 */
import type { CommandContext } from '../context.js';
import type { FleetUnitState, FleetUnitSummary } from '../client/types.js';
import { errorMessage } from '../client/errors.js';
import { lookupStates, lookupUnitSummaries } from '../units/find.js';
import type { MachineLegends } from '../units/legend.js';
import { WaitProgress } from './progress.js';
import { pollBudget, windowText } from './timing.js';
import { isStarted, type DesiredState } from '../../src/domain/index.js';

/** What one unit must reach. */
export interface StateGoal {
  readonly name: string;
  readonly target: DesiredState;
  /** Also require its machine to run this body (after `--replace`). */
  readonly hash?: string;
  /** After `launched`, wait until systemd reports it loaded and active (start/restart). */
  readonly systemdActive?: boolean;
  /** Print the success line (default true). */
  readonly quiet?: boolean;
}

/** A unit that did not get there. */
export interface WaitFailure {
  readonly name: string;
  /** `state`: the unit's current state; `systemd`: the systemd check after launch. */
  readonly phase: 'state' | 'systemd';
  readonly message: string;
}

/** Units whose "why is it not scheduled" is asked per window (each is one extra request). */
const EXPLAINED_PER_WINDOW = 3;

/** Where one goal's wait is. */
interface Pending {
  readonly goal: StateGoal;
  phase: 'state' | 'systemd';
  /** Polls spent in the current phase. */
  polls: number;
  done: boolean;
  unit?: FleetUnitSummary;
  /** Why it is not scheduled, as last explained. */
  reason?: string;
  /** What systemd reported last (systemd phase). */
  lastSeen?: string;
}

/** Whether `unit` reached the goal's state (and body, after --replace). A unit without a current state is `inactive` (nothing runs it), never its desired state. */
function reached(unit: FleetUnitSummary, goal: StateGoal, states: readonly FleetUnitState[] | undefined): boolean {
  const current = unit.currentState ?? 'inactive';
  if (current !== goal.target) return false;
  if (goal.hash === undefined || goal.target === 'inactive') return true;
  return (states ?? []).some((s) => s.machineId === unit.machineId && s.hash === goal.hash);
}

/** Whether systemd on the unit's machine reports it loaded and started (src/domain `isStarted`); else what it reports. */
function systemdActive(unit: FleetUnitSummary, states: readonly FleetUnitState[] | undefined): FleetUnitState | true | undefined {
  const s = (states ?? []).find((x) => x.machineId === unit.machineId);
  return s !== undefined && s.loadState === 'loaded' && isStarted(s.activeState) ? true : s;
}

/**
 * Waits for every goal, printing `Unit X <state>[ on <legend>]` as each
 * arrives. Each round is one observation of the cluster for all pending
 * units (one listing without unit files when there are many: see
 * `lookupUnitSummaries`), not a request
 * per unit. Each goal gets `attempts` windows for its state and, for
 * `systemdActive`, as many again for systemd's confirmation; 0 waits forever.
 * @returns the failures, in goal order; empty when all arrived.
 */
export async function waitForStates(ctx: CommandContext, goals: readonly StateGoal[], attempts: number, legends: MachineLegends): Promise<WaitFailure[]> {
  const { timing, client, out } = ctx;
  const budget = pollBudget(timing, attempts);
  const perWindow = Math.max(1, Math.ceil(timing.attemptMs / timing.pollMs));
  const progress = new WaitProgress(out);
  const failures = new Map<StateGoal, WaitFailure>();
  let pending: Pending[] = goals.map((goal) => ({ goal, phase: 'state', polls: 0, done: false }));
  for (const p of pending) progress.start(p.goal.name, p.goal.target);
  const fail = (p: Pending, phase: WaitFailure['phase'], message: string): void => {
    failures.set(p.goal, { name: p.goal.name, phase, message });
    progress.finish(p.goal.name);
  };
  let round = 0;
  try {
    while (pending.length > 0) {
      // Out of time: the state phase says why the unit is not scheduled when the cluster can tell.
      for (const p of pending.filter((x) => x.polls >= budget)) {
        if (p.phase === 'systemd') {
          fail(p, 'systemd', `Failed to find an active unit ${p.goal.name} within ${windowText(timing, attempts)} (${p.lastSeen ?? 'no state reported'})`);
        } else {
          const why = p.reason ?? (p.goal.target !== 'inactive' && !p.unit?.machineId ? await client.explain(p.goal.name) : undefined);
          fail(p, 'state', `timed out waiting for unit ${p.goal.name} to report state ${p.goal.target}${why ? ` (${why})` : ''}`);
        }
      }
      pending = pending.filter((p) => !failures.has(p.goal));
      if (pending.length === 0) break;
      await timing.sleep(timing.pollMs, ctx.signal);
      round++;
      const names = pending.map((p) => p.goal.name);
      const needStates = pending.some((p) => p.phase === 'systemd' || p.goal.systemdActive === true || (p.goal.hash !== undefined && p.goal.target !== 'inactive'));
      const [units, states] = await Promise.all([lookupUnitSummaries(client, names), needStates ? lookupStates(client, names) : undefined]);
      let explained = 0;
      for (const p of pending) {
        p.polls++;
        const unit = units.get(p.goal.name);
        if (unit === undefined) {
          fail(p, 'state', `unit ${p.goal.name} no longer exists`);
          continue;
        }
        p.unit = unit;
        if (p.phase === 'state') {
          if (!reached(unit, p.goal, states?.get(p.goal.name))) {
            if (round % perWindow === 0 && p.goal.target !== 'inactive' && unit.machineId === undefined && explained++ < EXPLAINED_PER_WINDOW) {
              const why = await client.explain(p.goal.name);
              // Without a terminal there is no progress line: say it once per new reason on stderr instead.
              if (why !== undefined && why !== p.reason && !out.isTTY) out.stderr.write(`Still waiting for unit ${p.goal.name}: ${why}\n`);
              p.reason = why ?? p.reason;
            }
            progress.update(p.goal.name, p.polls * timing.pollMs, p.reason);
            continue;
          }
          if (p.goal.quiet !== true) out.stdout.write(`${await legends.stateLine(p.goal.name, p.goal.target, unit.machineId)}\n`);
          if (!(p.goal.systemdActive && p.goal.target === 'launched')) {
            progress.finish(p.goal.name);
            p.done = true;
            continue;
          }
          p.phase = 'systemd';
          p.polls = 0;
        }
        const s = systemdActive(unit, states?.get(p.goal.name));
        if (s === true) {
          progress.finish(p.goal.name);
          p.done = true;
        } else {
          p.lastSeen = s === undefined ? 'no state reported' : `state ${s.loadState}/${s.activeState}/${s.subState}`;
        }
      }
      pending = pending.filter((p) => !p.done && !failures.has(p.goal));
    }
  } catch (err) {
    const message = ctx.signal?.aborted ? undefined : errorMessage(err);
    for (const p of pending) if (!failures.has(p.goal)) fail(p, 'state', message ?? `interrupted while waiting for unit ${p.goal.name}`);
  } finally {
    for (const p of pending) progress.finish(p.goal.name);
  }
  return goals.flatMap((g) => failures.get(g) ?? []);
}

/**
 * Blocking until units report a state (§5.6), with fleet's quirks fixed:
 * `--block-attempts=N` is N windows everywhere, 0 waits forever, the
 * systemd-active check of `start` is a real wait with the same bound, and a
 * unit that cannot be scheduled says why (when the cluster can tell).
 */
import type { CommandContext } from '../context.js';
import type { FleetUnit } from '../client/types.js';
import { errorMessage } from '../client/errors.js';
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

/** Resolves when the unit reached the goal. A unit without a current state is `inactive` (nothing runs it), never its desired state. */
async function reached(ctx: CommandContext, unit: FleetUnit, goal: StateGoal): Promise<boolean> {
  const current = unit.currentState ?? 'inactive';
  if (current !== goal.target) return false;
  if (goal.hash === undefined || goal.target === 'inactive') return true;
  const states = await ctx.client.listUnitStates({ unitName: goal.name });
  return states.some((s) => s.machineId === unit.machineId && s.hash === goal.hash);
}

async function waitOne(ctx: CommandContext, goal: StateGoal, attempts: number, legends: MachineLegends, progress: WaitProgress): Promise<WaitFailure | undefined> {
  const { timing, client, out } = ctx;
  const budget = pollBudget(timing, attempts);
  const perWindow = Math.max(1, Math.ceil(timing.attemptMs / timing.pollMs));
  let reason: string | undefined;
  let polls = 0;
  let unit: FleetUnit | undefined;
  progress.start(goal.name, goal.target);
  try {
    for (;;) {
      if (polls >= budget) {
        const why = reason ?? (goal.target !== 'inactive' && !unit?.machineId ? await client.explain(goal.name) : undefined);
        const message = `timed out waiting for unit ${goal.name} to report state ${goal.target}${why ? ` (${why})` : ''}`;
        return { name: goal.name, phase: 'state', message };
      }
      await timing.sleep(timing.pollMs, ctx.signal);
      polls++;
      unit = await client.getUnit(goal.name);
      if (unit === undefined) return { name: goal.name, phase: 'state', message: `unit ${goal.name} no longer exists` };
      if (await reached(ctx, unit, goal)) break;
      if (polls % perWindow === 0 && goal.target !== 'inactive' && unit.machineId === undefined) {
        const why = await client.explain(goal.name);
        // Without a terminal there is no progress line: say it once per new reason on stderr instead.
        if (why !== undefined && why !== reason && !out.isTTY) out.stderr.write(`Still waiting for unit ${goal.name}: ${why}\n`);
        reason = why ?? reason;
      }
      progress.update(goal.name, polls * timing.pollMs, reason);
    }
    if (goal.quiet !== true) out.stdout.write(`${await legends.stateLine(goal.name, goal.target, unit.machineId)}\n`);
    if (goal.systemdActive && goal.target === 'launched') return await waitSystemd(ctx, unit, attempts);
    return undefined;
  } catch (err) {
    if (ctx.signal?.aborted) return { name: goal.name, phase: 'state', message: `interrupted while waiting for unit ${goal.name}` };
    return { name: goal.name, phase: 'state', message: errorMessage(err) };
  } finally {
    progress.finish(goal.name);
  }
}

/** start's check that systemd agrees: loaded and started (src/domain `isStarted`, i.e. active) on the unit's machine, within the same bound. */
async function waitSystemd(ctx: CommandContext, unit: FleetUnit, attempts: number): Promise<WaitFailure | undefined> {
  const budget = pollBudget(ctx.timing, attempts);
  for (let polls = 0; ; polls++) {
    const states = await ctx.client.listUnitStates({ unitName: unit.name });
    const s = states.find((x) => x.machineId === unit.machineId);
    if (s !== undefined && s.loadState === 'loaded' && isStarted(s.activeState)) return undefined;
    if (polls >= budget) {
      const seen = s === undefined ? 'no state reported' : `state ${s.loadState}/${s.activeState}/${s.subState}`;
      return { name: unit.name, phase: 'systemd', message: `Failed to find an active unit ${unit.name} within ${windowText(ctx.timing, attempts)} (${seen})` };
    }
    await ctx.timing.sleep(ctx.timing.pollMs, ctx.signal);
  }
}

/**
 * Waits for every goal concurrently, printing `Unit X <state>[ on <legend>]`
 * as each arrives. `attempts` 0 waits forever.
 * @returns the failures, in goal order; empty when all arrived.
 */
export async function waitForStates(ctx: CommandContext, goals: readonly StateGoal[], attempts: number, legends: MachineLegends): Promise<WaitFailure[]> {
  const progress = new WaitProgress(ctx.out);
  const results = await Promise.all(goals.map((g) => waitOne(ctx, g, attempts, legends, progress)));
  return results.filter((r): r is WaitFailure => r !== undefined);
}

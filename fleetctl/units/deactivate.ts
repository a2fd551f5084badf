/**
 * `stop` and `unload`: lower the desired state of existing units and wait.
 * Every unit is checked before any is changed, so a refused `stop` leaves
 * the batch untouched.
 */
import type { CommandContext } from '../context.js';
import { errorMessage } from '../client/errors.js';
import type { FleetUnit } from '../client/types.js';
import { isGlobalUnit } from '../client/unit-view.js';
import { resolveBlockAttempts } from '../wait/timing.js';
import { waitForStates, type StateGoal } from '../wait/states.js';
import { findUnits, reportMissing } from './find.js';
import { MachineLegends } from './legend.js';
import { goList } from './report.js';
import type { DesiredState } from '../../src/domain/index.js';

const VERBS = {
  stop: { target: 'loaded' as DesiredState, done: 'stopped', failed: 'stop' },
  unload: { target: 'inactive' as DesiredState, done: 'unloaded', failed: 'unload' },
};

/**
 * Runs `stop` or `unload`; resolves with the exit code (non-zero when a
 * named unit does not exist, unless `ignoreMissing`; the others are still acted on).
 */
export async function deactivate(
  ctx: CommandContext,
  args: readonly string[],
  command: 'stop' | 'unload',
  opts: { noBlock: boolean; blockAttempts: number; ignoreMissing: boolean },
): Promise<number> {
  const { out, client } = ctx;
  const verb = VERBS[command];
  let units: FleetUnit[];
  let missingFails: boolean;
  try {
    const found = await findUnits(client, args);
    units = found.units;
    missingFails = reportMissing(out, found.missing, opts.ignoreMissing);
  } catch (err) {
    out.stderr.write(`Error retrieving units: ${errorMessage(err)}\n`);
    return 1;
  }
  if (units.length === 0) return missingFails ? 1 : 0;
  if (command === 'stop') {
    const refused = units.find((u) => !isGlobalUnit(u) && (u.currentState ?? 'inactive') === 'inactive');
    if (refused) {
      out.stderr.write(`Unable to stop unit ${refused.name} in state inactive\n`);
      return 1;
    }
  }
  const goals: StateGoal[] = [];
  const names = units.map((u) => u.name);
  try {
    for (const u of units) {
      const global = isGlobalUnit(u);
      if (!global && u.desiredState === verb.target && u.currentState === verb.target) continue;
      if (u.desiredState !== verb.target) await client.setDesiredState(u.name, verb.target);
      if (global) out.stdout.write(`Triggered global unit ${u.name} ${command}\n`);
      else goals.push({ name: u.name, target: verb.target });
    }
  } catch (err) {
    out.stderr.write(`Failed to ${verb.failed} units ${goList(names)}. err: ${errorMessage(err)}\n`);
    return 1;
  }
  const attempts = resolveBlockAttempts(opts.noBlock, opts.blockAttempts);
  if (attempts === undefined) {
    for (const g of goals) out.stdout.write(`Triggered unit ${g.name} ${command}\n`);
  } else {
    const failures = await waitForStates(ctx, goals, attempts, new MachineLegends(client));
    if (failures.length > 0) {
      out.stderr.write(`Failed to ${verb.failed} units ${goList(names)}. err: ${failures.map((f) => f.message).join('; ')}\n`);
      return 1;
    }
  }
  out.stderr.write(`Successfully ${verb.done} units ${goList(names)}.\n`);
  return missingFails ? 1 : 0;
}

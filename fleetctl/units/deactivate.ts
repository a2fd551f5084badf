/**
 * `stop` and `unload`: lower the desired state of existing units and wait.
 * Every unit is checked before any is changed, so a refused `stop` leaves
 * the batch untouched. Units are changed a bounded number at a time; a
 * failure is reported for its unit and does not stop the others.
 */
import type { CommandContext } from '../context.js';
import { errorMessage } from '../client/errors.js';
import type { FleetUnitSummary } from '../client/types.js';
import { resolveBlockAttempts } from '../wait/timing.js';
import { waitForStates, type StateGoal } from '../wait/states.js';
import { forEachUnit } from './each.js';
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
  let units: FleetUnitSummary[];
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
    const refused = units.find((u) => !u.global && (u.currentState ?? 'inactive') === 'inactive');
    if (refused) {
      out.stderr.write(`Unable to stop unit ${refused.name} in state inactive\n`);
      return 1;
    }
  }
  const names = units.map((u) => u.name);
  const toSet = units.filter((u) => u.desiredState !== verb.target);
  // Every unit is tried; each failure is reported (in argument order) and leaves the others going.
  const failed = new Set<string>();
  await forEachUnit(
    client,
    toSet,
    (u) => ({ kind: 'put', name: u.name, options: [], desiredState: verb.target }),
    (u, err) => {
      if (err === undefined) return;
      failed.add(u.name);
      out.stderr.write(`Failed to ${verb.failed} unit ${u.name}. err: ${errorMessage(err)}\n`);
    },
  );
  const goals: StateGoal[] = [];
  for (const u of units) {
    if (failed.has(u.name)) continue;
    const global = u.global;
    if (!global && u.desiredState === verb.target && u.currentState === verb.target) continue;
    if (global) out.stdout.write(`Triggered global unit ${u.name} ${command}\n`);
    else goals.push({ name: u.name, target: verb.target });
  }
  if (failed.size > 0) out.stderr.write(`Failed to ${verb.failed} units ${goList(names.filter((n) => failed.has(n)))}.\n`);
  const attempts = resolveBlockAttempts(opts.noBlock, opts.blockAttempts);
  if (attempts === undefined) {
    for (const g of goals) out.stdout.write(`Triggered unit ${g.name} ${command}\n`);
  } else {
    const failures = await waitForStates(ctx, goals, attempts, new MachineLegends(client));
    if (failures.length > 0) {
      out.stderr.write(`Failed to ${verb.failed} units ${goList(failures.map((f) => f.name))}. err: ${failures.map((f) => f.message).join('; ')}\n`);
      return 1;
    }
  }
  if (failed.size > 0) return 1;
  out.stderr.write(`Successfully ${verb.done} units ${goList(names)}.\n`);
  return missingFails ? 1 : 0;
}

/**
 * `load` and `start`: create missing units from local files, raise the
 * desired state, then wait (§5.4–5.6). `start --no-block` prints one
 * `Triggered unit X start` line (fleet printed it twice).
 */
import type { CommandContext } from '../context.js';
import { errorMessage } from '../client/errors.js';
import { mangleUnitName } from '../../src/units/index.js';
import { isGlobalUnit } from '../client/unit-view.js';
import { resolveBlockAttempts } from '../wait/timing.js';
import { waitForStates, type StateGoal } from '../wait/states.js';
import { createUnits } from './create.js';
import { MachineLegends } from './legend.js';
import { reportWaitFailures } from './report.js';
import type { DesiredState } from '../../src/domain/index.js';

/** Which verb: the state it sets and its words. */
const VERBS = {
  load: { target: 'loaded' as DesiredState, error: 'Error loading units' },
  start: { target: 'launched' as DesiredState, error: 'Error starting units' },
};

/** Options of {@link activate}. */
export interface ActivateOptions {
  readonly replace: boolean;
  readonly noBlock: boolean;
  readonly blockAttempts: number;
}

/** Runs `load` or `start` for `args`; resolves with the exit code. */
export async function activate(ctx: CommandContext, args: readonly string[], command: 'load' | 'start', opts: ActivateOptions): Promise<number> {
  const { out, client } = ctx;
  const verb = VERBS[command];
  if (args.length === 0) {
    out.stderr.write('No units given\n');
    return 1;
  }
  const created = await createUnits(ctx, args, command, opts.replace);
  if (!created.ok) return 1;
  const goals: StateGoal[] = [];
  const triggered: string[] = [];
  try {
    for (const name of new Set(args.map(mangleUnitName))) {
      const unit = await client.getUnit(name);
      if (unit === undefined) {
        out.stderr.write(`${verb.error}: unable to find unit ${name}\n`);
        return 1;
      }
      const replacedHash = created.replaced.get(name);
      if (unit.desiredState !== verb.target) await client.setDesiredState(name, verb.target);
      else if (replacedHash === undefined) continue;
      if (isGlobalUnit(unit)) {
        out.stdout.write(`Triggered global unit ${name} ${command}\n`);
        continue;
      }
      triggered.push(name);
      goals.push({ name, target: verb.target, systemdActive: command === 'start', ...(replacedHash ? { hash: replacedHash } : {}) });
    }
  } catch (err) {
    out.stderr.write(`${verb.error}: ${errorMessage(err)}\n`);
    return 1;
  }
  const attempts = resolveBlockAttempts(opts.noBlock, opts.blockAttempts);
  if (attempts === undefined) {
    for (const name of triggered) out.stdout.write(`Triggered unit ${name} ${command}\n`);
    return 0;
  }
  const failures = await waitForStates(ctx, goals, attempts, new MachineLegends(client));
  return reportWaitFailures(out, failures) ? 0 : 1;
}

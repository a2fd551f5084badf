/**
 * `load` and `start`: create missing units from local files, raise the
 * desired state, then wait (§5.4–5.6). `start --no-block` prints one
 * `Triggered unit X start` line (fleet printed it twice).
 */
import type { CommandContext } from '../context.js';
import { isGlobalUnit, mangleUnitName } from '../../src/units/index.js';
import { resolveBlockAttempts } from '../wait/timing.js';
import { waitForStates, type StateGoal } from '../wait/states.js';
import { createUnits } from './create.js';
import { forEachUnit, unitErrorText } from './each.js';
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
  const created = await createUnits(ctx, args, command, opts.replace, verb.target);
  if (!created.ok) return 1;
  const names = [...new Set(args.map(mangleUnitName))];
  const missing = names.find((n) => !created.known.has(n));
  if (missing !== undefined) {
    out.stderr.write(`${verb.error}: unable to find unit ${missing}\n`);
    return 1;
  }
  const units = names.map((n) => created.known.get(n)!);
  // Units already at the target need nothing, unless their body was just replaced (then wait for it).
  const toSet = units.filter((u) => u.desiredState !== verb.target);
  const changed = new Set([...created.created, ...created.replaced.keys(), ...toSet.map((u) => u.name)]);
  const set = new Set(
    (
      await forEachUnit(
        client,
        toSet,
        (u) => ({ kind: 'put', name: u.name, options: [], desiredState: verb.target }),
        (u, err) => {
          if (err !== undefined) out.stderr.write(`${verb.error}: ${unitErrorText(u.name, err)}\n`);
        },
      )
    ).map((u) => u.name),
  );
  const ok = set.size === toSet.length;
  const goals: StateGoal[] = [];
  const triggered: string[] = [];
  for (const unit of units) {
    if (!changed.has(unit.name) || (toSet.includes(unit) && !set.has(unit.name))) continue;
    if (isGlobalUnit(unit)) {
      out.stdout.write(`Triggered global unit ${unit.name} ${command}\n`);
      continue;
    }
    const replacedHash = created.replaced.get(unit.name);
    triggered.push(unit.name);
    goals.push({ name: unit.name, target: verb.target, systemdActive: command === 'start', ...(replacedHash ? { hash: replacedHash } : {}) });
  }
  const attempts = resolveBlockAttempts(opts.noBlock, opts.blockAttempts);
  if (attempts === undefined) {
    for (const name of triggered) out.stdout.write(`Triggered unit ${name} ${command}\n`);
    return ok ? 0 : 1;
  }
  const failures = await waitForStates(ctx, goals, attempts, new MachineLegends(client));
  return reportWaitFailures(out, failures) && ok ? 0 : 1;
}

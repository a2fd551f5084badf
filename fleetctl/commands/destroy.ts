/**
 * `fleetctl destroy UNIT...`: remove units from the cluster. Unless
 * `--no-block`, waits until no machine reports the unit any more (fleet had
 * this inverted and only waited with `--no-block`).
 */
import type { CommandContext } from '../context.js';
import { ApiError, errorMessage } from '../client/errors.js';
import { findUnits, reportMissing } from '../units/find.js';
import { pollBudget, resolveBlockAttempts } from '../wait/timing.js';
import { BLOCK_FLAGS, IGNORE_MISSING_FLAG, count, ignoreMissing, noBlock, type CommandSpec } from './spec.js';

/** Waits until `name` is gone and no machine reports it; resolves with an error message or undefined. */
async function waitGone(ctx: CommandContext, name: string, attempts: number): Promise<string | undefined> {
  const budget = pollBudget(ctx.timing, attempts);
  try {
    for (let polls = 0; ; polls++) {
      const [unit, states] = await Promise.all([ctx.client.getUnit(name), ctx.client.listUnitStates({ unitName: name })]);
      if (unit === undefined && states.length === 0) return undefined;
      if (polls >= budget) return `timed out waiting for unit ${name} to be removed from ${states.map((s) => s.machineId).join(', ') || 'the registry'}`;
      ctx.out.progress(`Waiting for ${name} to be removed... ${Math.floor(((polls + 1) * ctx.timing.pollMs) / 1000)}s`);
      await ctx.timing.sleep(ctx.timing.pollMs, ctx.signal);
    }
  } catch (err) {
    return errorMessage(err);
  } finally {
    ctx.out.progress(undefined);
  }
}

/** The destroy command. */
export const destroyCommand: CommandSpec = {
  name: 'destroy',
  usage: 'UNIT...',
  summary: 'Destroy one or more units in the cluster',
  description: 'Waits until the units are stopped and removed on every machine, unless --no-block is given. A named unit that does not exist makes it exit 1 (the others are still destroyed) unless --ignore-missing is given.',
  flags: [...BLOCK_FLAGS, IGNORE_MISSING_FLAG],
  async run(ctx, args, flags) {
    const { out, client } = ctx;
    let units;
    let code = 0;
    try {
      const found = await findUnits(client, args);
      units = found.units;
      if (reportMissing(out, found.missing, ignoreMissing(flags))) code = 1;
    } catch (err) {
      out.stderr.write(`Error destroying units: ${errorMessage(err)}\n`);
      return 1;
    }
    if (units.length === 0) return code;
    const destroyed: string[] = [];
    for (const u of units) {
      try {
        await client.destroyUnit(u.name);
      } catch (err) {
        if (!(err instanceof ApiError && err.status === 404)) {
          out.stderr.write(`Error destroying units: ${errorMessage(err)}\n`);
          code = 1;
          continue;
        }
      }
      destroyed.push(u.name);
      out.stdout.write(`Destroyed ${u.name}\n`);
    }
    const attempts = resolveBlockAttempts(noBlock(flags), count(flags, 'blockAttempts', 0));
    if (attempts === undefined) return code;
    const errors = await Promise.all(destroyed.map((n) => waitGone(ctx, n, attempts)));
    for (const e of errors) {
      if (e === undefined) continue;
      out.stderr.write(`Error waiting for units: ${e}\n`);
      code = 1;
    }
    return code;
  },
};

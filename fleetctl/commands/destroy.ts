/**
 * `fleetctl destroy UNIT...`: remove units from the cluster. Unless
 * `--no-block`, waits until no machine reports the unit any more (fleet had
 * this inverted and only waited with `--no-block`). Units are destroyed a
 * bounded number at a time; one failure is reported for its unit and does
 * not stop the others; the wait observes all units with one listing per
 * round.
 */
import type { CommandContext } from '../context.js';
import { ApiError, errorMessage } from '../client/errors.js';
import { forEachUnit, unitErrorText } from '../units/each.js';
import { findUnits, lookupStates, lookupUnitSummaries, reportMissing } from '../units/find.js';
import { pollBudget, resolveBlockAttempts } from '../wait/timing.js';
import { BLOCK_FLAGS, IGNORE_MISSING_FLAG, count, ignoreMissing, noBlock, type CommandSpec } from './spec.js';

/** Waits until every unit of `names` is gone and no machine reports it; resolves with error messages in name order. */
async function waitGone(ctx: CommandContext, names: readonly string[], attempts: number): Promise<string[]> {
  const budget = pollBudget(ctx.timing, attempts);
  let pending = [...names];
  try {
    for (let polls = 0; ; polls++) {
      const [units, states] = await Promise.all([lookupUnitSummaries(ctx.client, pending), lookupStates(ctx.client, pending)]);
      pending = pending.filter((n) => units.has(n) || states.has(n));
      if (pending.length === 0) return [];
      if (polls >= budget) {
        return pending.map((n) => `timed out waiting for unit ${n} to be removed from ${(states.get(n) ?? []).map((s) => s.machineId).join(', ') || 'the registry'}`);
      }
      const what = pending.length === 1 ? pending[0]! : `${pending.length} units`;
      ctx.out.progress(`Waiting for ${what} to be removed... ${Math.floor(((polls + 1) * ctx.timing.pollMs) / 1000)}s`);
      await ctx.timing.sleep(ctx.timing.pollMs, ctx.signal);
    }
  } catch (err) {
    return [ctx.signal?.aborted ? 'interrupted while waiting for units to be removed' : errorMessage(err)];
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
    const destroyed = await forEachUnit(
      client,
      units.map((u) => u.name),
      (name) => ({ kind: 'destroy', name }),
      (name, err) => {
        if (err === undefined) {
          out.stdout.write(`Destroyed ${name}\n`);
          return;
        }
        out.stderr.write(`Error destroying units: ${unitErrorText(name, err)}\n`);
        code = 1;
      },
      // Gone already (destroyed meanwhile, or by our own retried request): that is what was asked.
      (err) => err instanceof ApiError && err.status === 404,
    );
    const attempts = resolveBlockAttempts(noBlock(flags), count(flags, 'blockAttempts', 0));
    if (attempts === undefined || destroyed.length === 0) return code;
    for (const e of await waitGone(ctx, destroyed, attempts)) {
      out.stderr.write(`Error waiting for units: ${e}\n`);
      code = 1;
    }
    return code;
  },
};

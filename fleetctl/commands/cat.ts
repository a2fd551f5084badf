/** `fleetctl cat UNIT`: print a unit's body exactly as the cluster stores it. */
import { canonicalOrder, mangleUnitName, serializeUnit } from '../../src/units/index.js';
import { errorMessage } from '../client/errors.js';
import type { CommandSpec } from './spec.js';

/** The cat command. */
export const catCommand: CommandSpec = {
  name: 'cat',
  usage: 'UNIT',
  summary: 'Output the contents of a submitted unit',
  flags: [],
  async run(ctx, args) {
    if (args.length !== 1) {
      ctx.out.stderr.write('One unit file must be provided\n');
      return 1;
    }
    const name = mangleUnitName(args[0]!);
    try {
      const unit = await ctx.client.getUnit(name);
      if (unit === undefined) {
        ctx.out.stderr.write(`Unit ${name} not found\n`);
        return 1;
      }
      ctx.out.stdout.write(serializeUnit(canonicalOrder(unit.options)));
      return 0;
    } catch (err) {
      ctx.out.stderr.write(`Error retrieving Unit ${name}: ${errorMessage(err)}\n`);
      return 1;
    }
  },
};

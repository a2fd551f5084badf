/** `fleetctl submit UNIT...`: put units into the cluster without scheduling them. */
import { createUnits } from '../units/create.js';
import { flag, REPLACE_FLAG, type CommandSpec } from './spec.js';

/** The submit command. */
export const submitCommand: CommandSpec = {
  name: 'submit',
  usage: 'UNIT...',
  summary: 'Upload one or more units to the cluster without starting them',
  description: 'Units are read from local files (a unit type suffix defaults to .service); instances of templates use the template in the cluster or beside the argument. Prints "Unit X submitted" per new unit.',
  flags: [REPLACE_FLAG],
  async run(ctx, args, flags) {
    if (args.length === 0) {
      ctx.out.stderr.write('No units given\n');
      return 1;
    }
    const result = await createUnits(ctx, args, 'submit', flag(flags, 'replace'));
    return result.ok ? 0 : 1;
  },
};

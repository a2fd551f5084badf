/** `fleetctl stop UNIT...`: stop running units, leaving them loaded on their machines. */
import { deactivate } from '../units/deactivate.js';
import { BLOCK_FLAGS, IGNORE_MISSING_FLAG, blockOptions, ignoreMissing, type CommandSpec } from './spec.js';

/** The stop command. */
export const stopCommand: CommandSpec = {
  name: 'stop',
  usage: 'UNIT...',
  summary: 'Instruct systemd to stop one or more units in the cluster',
  description: 'A named unit that does not exist makes it exit 1 (the others are still stopped) unless --ignore-missing is given.',
  flags: [...BLOCK_FLAGS, IGNORE_MISSING_FLAG],
  run(ctx, args, flags) {
    return deactivate(ctx, args, 'stop', { ...blockOptions(flags), ignoreMissing: ignoreMissing(flags) });
  },
};

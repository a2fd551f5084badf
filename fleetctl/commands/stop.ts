/** `fleetctl stop UNIT...`: stop running units, leaving them loaded on their machines. */
import { deactivate } from '../units/deactivate.js';
import { BLOCK_FLAGS, blockOptions, type CommandSpec } from './spec.js';

/** The stop command. */
export const stopCommand: CommandSpec = {
  name: 'stop',
  usage: 'UNIT...',
  summary: 'Instruct systemd to stop one or more units in the cluster',
  flags: BLOCK_FLAGS,
  run(ctx, args, flags) {
    return deactivate(ctx, args, 'stop', blockOptions(flags));
  },
};

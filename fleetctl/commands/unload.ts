/** `fleetctl unload UNIT...`: unschedule units (they stay in the cluster, inactive). */
import { deactivate } from '../units/deactivate.js';
import { BLOCK_FLAGS, blockOptions, type CommandSpec } from './spec.js';

/** The unload command. */
export const unloadCommand: CommandSpec = {
  name: 'unload',
  usage: 'UNIT...',
  summary: 'Unschedule one or more units in the cluster',
  flags: BLOCK_FLAGS,
  run(ctx, args, flags) {
    return deactivate(ctx, args, 'unload', blockOptions(flags));
  },
};

/** `fleetctl unload UNIT...`: unschedule units (they stay in the cluster, inactive). */
import { deactivate } from '../units/deactivate.js';
import { BLOCK_FLAGS, IGNORE_MISSING_FLAG, blockOptions, ignoreMissing, type CommandSpec } from './spec.js';

/** The unload command. */
export const unloadCommand: CommandSpec = {
  name: 'unload',
  usage: 'UNIT...',
  summary: 'Unschedule one or more units in the cluster',
  description: 'A named unit that does not exist makes it exit 1 (the others are still unloaded) unless --ignore-missing is given.',
  flags: [...BLOCK_FLAGS, IGNORE_MISSING_FLAG],
  run(ctx, args, flags) {
    return deactivate(ctx, args, 'unload', { ...blockOptions(flags), ignoreMissing: ignoreMissing(flags) });
  },
};

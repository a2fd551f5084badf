/** `fleetctl load UNIT...`: schedule units to machines and load them into systemd, without starting them. */
import { activate } from '../units/activate.js';
import { BLOCK_FLAGS, blockOptions, flag, REPLACE_FLAG, type CommandSpec } from './spec.js';

/** The load command. */
export const loadCommand: CommandSpec = {
  name: 'load',
  usage: 'UNIT...',
  summary: 'Schedule one or more units in the cluster, first submitting them if necessary',
  flags: [...BLOCK_FLAGS, REPLACE_FLAG],
  run(ctx, args, flags) {
    return activate(ctx, args, 'load', { replace: flag(flags, 'replace'), ...blockOptions(flags) });
  },
};

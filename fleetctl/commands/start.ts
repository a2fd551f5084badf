/** `fleetctl start UNIT...`: schedule and start units, creating them from local files when needed. */
import { activate } from '../units/activate.js';
import { BLOCK_FLAGS, blockOptions, flag, REPLACE_FLAG, type CommandSpec } from './spec.js';

/** The start command. */
export const startCommand: CommandSpec = {
  name: 'start',
  usage: 'UNIT...',
  summary: 'Instruct systemd to start one or more units in the cluster, first submitting and loading if necessary',
  description: 'Waits until each unit is launched and systemd reports it active on its machine, unless --no-block is given.',
  flags: [...BLOCK_FLAGS, REPLACE_FLAG],
  run(ctx, args, flags) {
    return activate(ctx, args, 'start', { replace: flag(flags, 'replace'), ...blockOptions(flags) });
  },
};

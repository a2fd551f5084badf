/**
 * `fleetctl status UNIT...`: `systemctl status` of each unit, streamed from
 * the fleetd of the machine that runs it (fleet used SSH). A global unit
 * shows every machine that reports it, each block headed by the machine;
 * `--machine ID` picks one machine.
 */
import { mangleUnitName } from '../../src/units/index.js';
import { errorMessage } from '../client/errors.js';
import { text, type CommandSpec } from './spec.js';
import { MACHINE_FLAG, streamUnit } from './unit-streams.js';

/** Flags fleet had for SSH; accepted so old scripts keep working, but unused. */
export const SSH_PORT_FLAG = { flags: '--ssh-port <port>', description: 'Ignored (no SSH; output comes over the fleet API).', hidden: true };

/** The status command. */
export const statusCommand: CommandSpec = {
  name: 'status',
  usage: 'UNIT...',
  summary: 'Output the status of one or more units in the cluster',
  description:
    'Runs `systemctl status -l` on the machine of each unit, through that machine\'s fleet API; the exit code is systemctl\'s. ' +
    'A global unit is shown for every machine that runs it, each block headed by the machine (exit non-zero if any failed); --machine picks one.',
  flags: [MACHINE_FLAG, SSH_PORT_FLAG],
  async run(ctx, args, flags) {
    if (args.length === 0) {
      ctx.out.stderr.write('One or more units must be provided.\n');
      return 1;
    }
    let printed = 0;
    const first = (): boolean => printed++ === 0;
    let code = 0;
    for (const name of new Set(args.map(mangleUnitName))) {
      try {
        const requested = typeof flags['machine'] === 'string' ? text(flags, 'machine', '') : undefined;
        const options = { notLoaded: `Unit ${name} does not appear to be loaded.`, first, ...(requested !== undefined ? { requested } : {}) };
        code ||= await streamUnit(ctx, name, options, (machineId) =>
          ctx.client.status(name, { write: (c) => ctx.out.stdout.write(c), ...(machineId !== undefined ? { machineId } : {}), ...(ctx.signal ? { signal: ctx.signal } : {}) }),
        );
      } catch (err) {
        ctx.out.stderr.write(`${errorMessage(err)}\n`);
        code ||= 1;
      }
    }
    return code;
  },
};

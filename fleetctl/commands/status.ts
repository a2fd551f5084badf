/**
 * `fleetctl status UNIT...`: `systemctl status` of each unit, streamed from
 * the fleetd of the machine that runs it (fleet used SSH). A global unit
 * shows every machine that reports it.
 */
import { mangleUnitName } from '../../src/units/index.js';
import type { CommandContext } from '../context.js';
import { errorMessage } from '../client/errors.js';
import { isGlobalUnit } from '../client/unit-view.js';
import type { CommandSpec } from './spec.js';

/** Flags fleet had for SSH; accepted so old scripts keep working, but unused. */
export const SSH_PORT_FLAG = { flags: '--ssh-port <port>', description: 'Ignored (no SSH; output comes over the fleet API).', hidden: true };

/** Prints one unit's status; resolves with the exit code. */
async function statusOf(ctx: CommandContext, name: string, first: () => boolean): Promise<number> {
  const { out, client } = ctx;
  const unit = await client.getUnit(name);
  if (unit === undefined) {
    out.stderr.write(`Unit ${name} does not exist.\n`);
    return 1;
  }
  const write = (c: string | Uint8Array): void => out.stdout.write(c);
  if (isGlobalUnit(unit)) {
    const machines = [...new Set((await client.listUnitStates({ unitName: name })).map((s) => s.machineId))];
    if (machines.length === 0) {
      out.stderr.write(`Global unit ${name} is not loaded on any machine.\n`);
      return 1;
    }
    let code = 0;
    for (const machineId of machines) {
      if (!first()) out.stdout.write('\n');
      const c = await client.status(name, { write, machineId, ...(ctx.signal ? { signal: ctx.signal } : {}) });
      code ||= c;
    }
    return code;
  }
  if ((unit.currentState ?? 'inactive') === 'inactive') {
    out.stderr.write(`Unit ${name} does not appear to be loaded.\n`);
    return 1;
  }
  if (!first()) out.stdout.write('\n');
  return client.status(name, { write, ...(ctx.signal ? { signal: ctx.signal } : {}) });
}

/** The status command. */
export const statusCommand: CommandSpec = {
  name: 'status',
  usage: 'UNIT...',
  summary: 'Output the status of one or more units in the cluster',
  description: 'Runs `systemctl status -l` on the machine of each unit, through that machine\'s fleet API; the exit code is systemctl\'s.',
  flags: [SSH_PORT_FLAG],
  async run(ctx, args) {
    if (args.length === 0) {
      ctx.out.stderr.write('One or more units must be provided.\n');
      return 1;
    }
    let printed = 0;
    const first = (): boolean => printed++ === 0;
    let code = 0;
    for (const name of new Set(args.map(mangleUnitName))) {
      try {
        code ||= await statusOf(ctx, name, first);
      } catch (err) {
        ctx.out.stderr.write(`${errorMessage(err)}\n`);
        code ||= 1;
      }
    }
    return code;
  },
};

/**
 * The shared shell of `status` and `journal`: finds which machines to ask
 * about a unit (`selectStreamMachines`, honouring `--machine`), then streams
 * each one's output through the client, headed by the machine when a global
 * unit is shown on several.
 */
import { selectStreamMachines } from '../../src/domain/index.js';
import type { CommandContext } from '../context.js';
import { errorMessage } from '../client/errors.js';
import { isGlobalUnit } from '../../src/units/index.js';
import { machineLegend } from '../output/fields.js';
import type { FlagSpec } from './spec.js';

/** `--machine ID`, shared by status and journal. */
export const MACHINE_FLAG: FlagSpec = {
  flags: '--machine <id>',
  description: 'Machine to ask (full ID or a unique prefix, e.g. the 8-character ID list-machines shows); needed for one copy of a global unit.',
};

/** How one command asks one machine (undefined: the unit's own machine, by the usual route). */
export type AskMachine = (machineId: string | undefined) => Promise<number>;

/** Options of {@link streamUnit}. */
export interface StreamUnitOptions {
  /** `--machine`, as typed. */
  readonly requested?: string;
  readonly follow?: boolean;
  /** Printed when an ordinary unit is not loaded anywhere. */
  readonly notLoaded: string;
  /** Called before each block's output; returns true for the first block of the command. */
  readonly first: () => boolean;
}

/**
 * Streams `name` from the machines it should be read on; resolves with the
 * exit code (non-zero when any machine failed). Rejects with client errors
 * only for the unit lookup; a failing machine is reported and skipped.
 */
export async function streamUnit(ctx: CommandContext, name: string, options: StreamUnitOptions, ask: AskMachine): Promise<number> {
  const { out, client } = ctx;
  const unit = await client.getUnit(name);
  if (unit === undefined) {
    out.stderr.write(`Unit ${name} does not exist.\n`);
    return 1;
  }
  const global = isGlobalUnit(unit);
  if (options.requested === undefined && !global) {
    if ((unit.currentState ?? 'inactive') === 'inactive') {
      out.stderr.write(`${options.notLoaded}\n`);
      return 1;
    }
    if (!options.first()) out.stdout.write('\n');
    return ask(undefined);
  }
  const [states, machines] = await Promise.all([global ? client.listUnitStates({ unitName: name }) : Promise.resolve([]), client.listMachines()]);
  const selection = selectStreamMachines({
    unitName: name,
    global,
    unitMachines: global ? states.map((s) => s.machineId) : unit.machineId !== undefined ? [unit.machineId] : [],
    presentMachines: machines.map((m) => m.id),
    ...(options.requested !== undefined ? { requested: options.requested } : {}),
    ...(options.follow !== undefined ? { follow: options.follow } : {}),
  });
  if (selection.kind === 'error') {
    out.stderr.write(`${selection.message}\n`);
    return 1;
  }
  if (selection.kind === 'unit-machine') return ask(undefined);
  let code = 0;
  for (const machineId of selection.machineIds) {
    if (!options.first()) out.stdout.write('\n');
    if (selection.headed) {
      const machine = machines.find((m) => m.id === machineId);
      out.stdout.write(`● ${name} on ${machineLegend(machineId, machine?.primaryIP, false)}\n`);
    }
    try {
      code ||= await ask(machineId);
    } catch (err) {
      out.stderr.write(`${errorMessage(err)}\n`);
      code ||= 1;
    }
  }
  return code;
}

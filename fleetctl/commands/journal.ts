/**
 * `fleetctl journal UNIT`: the unit's journal from the machine that runs it,
 * through that machine's fleet API (fleet used SSH). `-f` follows until
 * interrupted.
 */
import { JOURNAL_OUTPUT_MODES } from '../../src/api/command-argv.js';
import { mangleUnitName } from '../../src/units/index.js';
import { errorMessage } from '../client/errors.js';
import { isGlobalUnit } from '../client/unit-view.js';
import { SSH_PORT_FLAG } from './status.js';
import { count, flag, parseCount, text, type CommandSpec } from './spec.js';

/** The journal command. */
export const journalCommand: CommandSpec = {
  name: 'journal',
  usage: 'UNIT',
  summary: 'Print the journal of a unit in the cluster to stdout',
  flags: [
    { flags: '-n, --lines <n>', description: 'Number of recent log lines to return.', defaultValue: 10, parse: parseCount },
    { flags: '-f, --follow', description: 'Continuously print new entries as they are appended to the journal.' },
    { flags: '--f', description: 'Same as --follow (fleet spelling).', hidden: true },
    { flags: '-o, --output <mode>', description: 'Output mode, as journalctl --output.', defaultValue: 'short' },
    { flags: '--sudo', description: 'Ignored (the machine\'s fleetd reads the journal).', hidden: true },
    SSH_PORT_FLAG,
  ],
  async run(ctx, args, flags) {
    const { out, client } = ctx;
    if (args.length !== 1) {
      out.stderr.write('One unit file must be provided.\n');
      return 1;
    }
    const mode = text(flags, 'output', 'short');
    if (!JOURNAL_OUTPUT_MODES.includes(mode)) {
      out.stderr.write(`Invalid output mode ${JSON.stringify(mode)}: use one of ${JOURNAL_OUTPUT_MODES.join(', ')}\n`);
      return 1;
    }
    const name = mangleUnitName(args[0]!);
    try {
      const unit = await client.getUnit(name);
      if (unit === undefined) {
        out.stderr.write(`Unit ${name} does not exist.\n`);
        return 1;
      }
      if (isGlobalUnit(unit)) {
        out.stderr.write(`Unable to retrieve journal of global unit ${name}.\n`);
        return 1;
      }
      if ((unit.currentState ?? 'inactive') === 'inactive') {
        out.stderr.write(`Unit ${name} does not appear to be running.\n`);
        return 1;
      }
      const options = { lines: count(flags, 'lines', 10), output: mode, follow: flag(flags, 'follow') || flag(flags, 'f') };
      return await client.journal(name, options, { write: (c) => out.stdout.write(c), ...(ctx.signal ? { signal: ctx.signal } : {}) });
    } catch (err) {
      out.stderr.write(`${errorMessage(err)}\n`);
      return 1;
    }
  },
};

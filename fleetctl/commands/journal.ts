/**
 * `fleetctl journal UNIT`: the unit's journal from the machine that runs it,
 * through that machine's fleet API (fleet used SSH). `-f` follows until
 * interrupted. A global unit prints every machine's journal, each headed by
 * the machine, or one machine's with `--machine ID` (required with `-f`).
 */
import { JOURNAL_OUTPUT_MODES } from '../../src/api/command-argv.js';
import { mangleUnitName } from '../../src/units/index.js';
import { errorMessage } from '../client/errors.js';
import { SSH_PORT_FLAG } from './status.js';
import { count, flag, parseCount, text, type CommandSpec } from './spec.js';
import { MACHINE_FLAG, streamUnit } from './unit-streams.js';

/** The journal command. */
export const journalCommand: CommandSpec = {
  name: 'journal',
  usage: 'UNIT',
  summary: 'Print the journal of a unit in the cluster to stdout',
  description:
    'Runs `journalctl` on the machine of the unit, through that machine\'s fleet API. A global unit prints every machine\'s journal, ' +
    'each headed by the machine (exit non-zero if any failed); --machine picks one machine, and is required to --follow a global unit.',
  flags: [
    MACHINE_FLAG,
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
      const options = { lines: count(flags, 'lines', 10), output: mode, follow: flag(flags, 'follow') || flag(flags, 'f') };
      const requested = typeof flags['machine'] === 'string' ? text(flags, 'machine', '') : undefined;
      let printed = 0;
      const selection = { notLoaded: `Unit ${name} does not appear to be running.`, follow: options.follow, first: () => printed++ === 0 };
      return await streamUnit(ctx, name, { ...selection, ...(requested !== undefined ? { requested } : {}) }, (machineId) =>
        client.journal(name, options, { write: (c) => out.stdout.write(c), ...(machineId !== undefined ? { machineId } : {}), ...(ctx.signal ? { signal: ctx.signal } : {}) }),
      );
    } catch (err) {
      out.stderr.write(`${errorMessage(err)}\n`);
      return 1;
    }
  },
};

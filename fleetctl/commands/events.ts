/**
 * `fleetctl events [--follow] [--type T,...] [--unit GLOB] [--machine ID]
 * [--from REV] [-o json]`: the cluster's events (see `GET /fleet/v1/events`),
 * one a line. Without `--follow`: the recent history (or from `--from`) up
 * to now; with it, until interrupted.
 */
import { errorMessage } from '../client/errors.js';
import { eventLine } from '../output/event-line.js';
import { flag, parseTextOrJson, text, type CommandSpec } from './spec.js';

function parseRevision(value: string): bigint {
  if (!/^[1-9][0-9]{0,18}$/.test(value.trim())) throw new Error(`invalid revision ${JSON.stringify(value)}: expected a positive integer`);
  return BigInt(value.trim());
}

/** The events command. */
export const eventsCommand: CommandSpec = {
  name: 'events',
  usage: '',
  summary: 'Print the cluster\'s events (units, machines, leader, anomalies)',
  description:
    'Prints events derived from the cluster\'s changes, one a line: unit submitted/replaced/destroyed, desired state, scheduled/unscheduled (with the engine\'s reason), ' +
    'state changes and failures on machines, unplaceable units, machines joined/left/metadata, leader changes, anomalies. Without --follow: the recent history ' +
    '(or from --from) up to now. Each event carries its etcd revision; resume with --from REVISION+1.',
  flags: [
    { flags: '-f, --follow', description: 'Keep printing new events until interrupted.' },
    { flags: '--type <types>', description: 'Only these event types, comma-separated; globs such as unit.* or anomaly.*.' },
    { flags: '--unit <glob>', description: 'Only events of units matching this glob.' },
    { flags: '--machine <id>', description: 'Only events of this machine.' },
    { flags: '--from <revision>', description: 'Start at this etcd revision (inclusive); 410 when etcd compacted it.', parse: parseRevision },
    { flags: '-o, --output <format>', description: 'Output format: text or json (one event object per line).', defaultValue: 'text', parse: parseTextOrJson },
  ],
  async run(ctx, args, flags) {
    const { out, client } = ctx;
    if (args.length > 0) {
      out.stderr.write('events takes no arguments\n');
      return 1;
    }
    const format = text(flags, 'output', 'text');
    const types = typeof flags['type'] === 'string' ? [flags['type']] : [];
    const unit = typeof flags['unit'] === 'string' ? flags['unit'] : undefined;
    const machine = typeof flags['machine'] === 'string' ? flags['machine'] : undefined;
    const from = typeof flags['from'] === 'bigint' ? flags['from'] : undefined;
    try {
      await client.events(
        { types, follow: flag(flags, 'follow'), ...(unit !== undefined ? { unit } : {}), ...(machine !== undefined ? { machine } : {}), ...(from !== undefined ? { from } : {}) },
        { onEvent: (e) => out.stdout.write(format === 'json' ? `${JSON.stringify(e)}\n` : `${eventLine(e)}\n`), ...(ctx.signal !== undefined ? { signal: ctx.signal } : {}) },
      );
      return 0;
    } catch (err) {
      out.stderr.write(`${errorMessage(err)}\n`);
      return 1;
    }
  },
};

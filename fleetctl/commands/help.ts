/**
 * Help text in fleet's layout (`NAME:`, `USAGE:`, `VERSION:`, `COMMANDS:`,
 * `DESCRIPTION:`, `OPTIONS:`, `GLOBAL OPTIONS:`), built from the command
 * specs so it cannot drift from what is accepted.
 */
import { VERSION } from '../../src/version.js';
import { formatTable } from '../output/table.js';
import type { CommandSpec, FlagSpec } from './spec.js';

/** What help needs to know about a command. */
export type CommandInfo = Omit<CommandSpec, 'run'>;

function flagLines(flags: readonly FlagSpec[]): string {
  const rows = flags
    .filter((f) => !f.hidden)
    .map((f) => {
      const names = f.flags.replace(/ [<[].*$/, '');
      const shown = f.defaultValue === undefined || f.defaultValue === false ? names : `${names}=${JSON.stringify(f.defaultValue)}`;
      return [`\t${shown}`, f.description];
    });
  return formatTable(rows);
}

/** `fleetctl help`. */
export function rootHelp(commands: readonly CommandInfo[], globals: readonly FlagSpec[]): string {
  const list = formatTable([...commands].sort((a, b) => (a.name < b.name ? -1 : 1)).map((c) => [`\t${c.name}`, c.summary]));
  return [
    'NAME:',
    '\tfleetctl - fleetctl is a command-line interface to fleet, the cluster-wide CoreOS init system.',
    '',
    'USAGE:',
    '\tfleetctl [global options] <command> [command options] [arguments...]',
    '',
    'VERSION:',
    `\t${VERSION}`,
    '',
    'COMMANDS:',
    list.trimEnd(),
    '',
    'GLOBAL OPTIONS:',
    flagLines(globals).trimEnd(),
    '',
    'Global options can also be configured via upper-case environment variables prefixed by "FLEETCTL_"',
    'For example, "some-flag" => "FLEETCTL_SOME_FLAG"',
    '',
    'Run "fleetctl help <command>" for more details on a specific command.',
    '',
  ].join('\n');
}

/** `fleetctl help <command>` / `fleetctl <command> --help`. */
export function commandHelp(command: CommandInfo, globals: readonly FlagSpec[]): string {
  const lines = ['NAME:', `\tfleetctl ${command.name} - ${command.summary}`, '', 'USAGE:', `\tfleetctl ${command.name}${command.flags.some((f) => !f.hidden) ? ' [command options]' : ''}${command.usage ? ` ${command.usage}` : ''}`, ''];
  if (command.description) lines.push('DESCRIPTION:', `\t${command.description}`, '');
  if (command.flags.some((f) => !f.hidden)) lines.push('OPTIONS:', flagLines(command.flags).trimEnd(), '');
  lines.push('GLOBAL OPTIONS:', flagLines(globals).trimEnd(), '');
  return lines.join('\n');
}

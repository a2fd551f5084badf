/**
 * The command line: commander wired from the command specs. Exit codes are
 * non-zero for every error, unknown commands and flags included (fleet
 * exited 0), and `--debug` works on the command line.
 */
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { errorMessage } from '../client/errors.js';
import type { FleetClient } from '../client/types.js';
import { applyCommand } from '../commands/apply.js';
import { authCommand } from '../commands/auth.js';
import { catCommand } from '../commands/cat.js';
import { runCompletion } from '../commands/completion.js';
import { destroyCommand } from '../commands/destroy.js';
import { explainCommand } from '../commands/explain.js';
import { eventsCommand } from '../commands/events.js';
import { exportCommand } from '../commands/export.js';
import { commandHelp, rootHelp, type CommandInfo } from '../commands/help.js';
import { importCommand } from '../commands/import.js';
import { journalCommand } from '../commands/journal.js';
import { listMachinesCommand } from '../commands/list-machines.js';
import { listUnitFilesCommand } from '../commands/list-unit-files.js';
import { listUnitsCommand } from '../commands/list-units.js';
import { policyCommand } from '../commands/policy.js';
import { rolloutCommand } from '../commands/rollout.js';
import { loadCommand } from '../commands/load.js';
import { restartCommand } from '../commands/restart.js';
import type { CommandSpec, FlagSpec } from '../commands/spec.js';
import { runSsh } from '../commands/ssh.js';
import { startCommand } from '../commands/start.js';
import { statusCommand } from '../commands/status.js';
import { stopCommand } from '../commands/stop.js';
import { submitCommand } from '../commands/submit.js';
import { tokenCommand } from '../commands/token.js';
import { unloadCommand } from '../commands/unload.js';
import { runVersion } from '../commands/version.js';
import type { CommandContext } from '../context.js';
import type { Output } from '../output/io.js';
import { FLEET_TIMING, type WaitTiming } from '../wait/timing.js';
import { createClient as defaultCreateClient } from './create-client.js';
import { withDebugLog } from './debug-client.js';
import { GLOBAL_FLAGS, resolveGlobalOptions, VALUE_FLAGS, type GlobalOptions } from './global-options.js';
import { commandIndex, expandCommandPrefix } from './prefix.js';

/** Commands that talk to the cluster. */
export const CLUSTER_COMMANDS: readonly CommandSpec[] = [
  catCommand, destroyCommand, explainCommand, journalCommand, listMachinesCommand, listUnitFilesCommand, listUnitsCommand,
  loadCommand, policyCommand, rolloutCommand, restartCommand, startCommand, statusCommand, stopCommand, submitCommand, unloadCommand,
  authCommand, tokenCommand, exportCommand, importCommand, eventsCommand, applyCommand,
];

/** Commands that do not. */
const LOCAL_COMMANDS: readonly CommandInfo[] = [
  { name: 'version', usage: '', summary: 'Print the version and exit', flags: [] },
  { name: 'help', usage: '[COMMAND]', summary: 'Show a list of commands or help for one command', flags: [] },
  { name: 'completion', usage: 'bash|zsh', summary: 'Print a shell completion script', flags: [] },
  { name: 'ssh', usage: '', summary: 'Not supported: use status or journal', flags: [] },
];

/** Every command, for help and completion. */
export const ALL_COMMANDS: readonly CommandInfo[] = [...CLUSTER_COMMANDS, ...LOCAL_COMMANDS];

/** What the CLI needs from its environment (tests pass their own). */
export interface CliDeps {
  readonly out: Output;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Poll pacing; fleet's 250 ms / 2 s by default. */
  readonly timing?: WaitTiming;
  /** Aborted on Ctrl-C. */
  readonly signal?: AbortSignal;
  /** Builds the client from the root flags; default: the real drivers. */
  readonly createClient?: (options: GlobalOptions, warn: (line: string) => void) => FleetClient | Promise<FleetClient>;
}

function toOption(f: FlagSpec): Option {
  const o = new Option(f.flags, f.description);
  if (f.defaultValue !== undefined) o.default(f.defaultValue);
  const parse = f.parse;
  if (parse) {
    o.argParser((value: string) => {
      try {
        return parse(value);
      } catch (err) {
        throw new InvalidArgumentError(errorMessage(err));
      }
    });
  }
  if (f.hidden) o.hideHelp();
  return o;
}

async function runClusterCommand(spec: CommandSpec, program: Command, cmd: Command, deps: CliDeps): Promise<number> {
  const warn = (line: string): void => deps.out.stderr.write(`${line}\n`);
  let g: GlobalOptions;
  let client: FleetClient;
  try {
    g = resolveGlobalOptions(program.opts(), (a) => program.getOptionValueSource(a) === 'cli', deps.env);
    client = await (deps.createClient ?? defaultCreateClient)(g, warn);
  } catch (err) {
    deps.out.stderr.write(`Unable to initialize client: ${errorMessage(err)}\n`);
    return 1;
  }
  if (g.debug) client = withDebugLog(client, warn);
  const ctx: CommandContext = { client, out: deps.out, timing: deps.timing ?? FLEET_TIMING, ...(deps.signal ? { signal: deps.signal } : {}) };
  try {
    return await spec.run(ctx, cmd.args, cmd.opts());
  } catch (err) {
    deps.out.stderr.write(`Error: ${errorMessage(err)}\n`);
    return 1;
  } finally {
    await client.close().catch(() => undefined);
  }
}

/**
 * Builds the commander program; `setCode` receives each action's exit code.
 * `clusterCommands` are the cluster commands it can run: all of them, or
 * only the one named on the command line (building ~20 commands with their
 * flags is work each invocation would otherwise pay for nothing).
 */
function buildProgram(deps: CliDeps, setCode: (code: number) => void, clusterCommands: readonly CommandSpec[] = CLUSTER_COMMANDS): Command {
  const { out } = deps;
  const program = new Command('fleetctl');
  program.exitOverride().configureOutput({ writeOut: (s) => out.stdout.write(s), writeErr: (s) => out.stderr.write(s) });
  for (const f of GLOBAL_FLAGS) program.addOption(toOption(f));
  const byName = new Map(ALL_COMMANDS.map((c) => [c.name, c]));
  program.configureHelp({
    formatHelp: (cmd) => (cmd === program ? rootHelp(ALL_COMMANDS, GLOBAL_FLAGS) : commandHelp(byName.get(cmd.name()) ?? ALL_COMMANDS[0]!, GLOBAL_FLAGS)),
  });
  program.helpCommand('help [command]', 'Show a list of commands or help for one command');
  for (const spec of clusterCommands) {
    const cmd = program.command(spec.name).description(spec.summary).allowExcessArguments(spec.usage !== '');
    if (spec.usage !== '') cmd.argument('[args...]');
    for (const f of spec.flags) cmd.addOption(toOption(f));
    cmd.action(async () => setCode(await runClusterCommand(spec, program, cmd, deps)));
  }
  program.command('version').description('Print the version and exit').action(() => setCode(runVersion(out)));
  program
    .command('completion')
    .argument('[shell...]')
    .description('Print a shell completion script')
    .action((shell: string[]) => setCode(runCompletion(out, shell, ALL_COMMANDS, GLOBAL_FLAGS)));
  program
    .command('ssh')
    .argument('[args...]')
    .allowUnknownOption()
    .description('Not supported: use status or journal')
    .action(() => setCode(runSsh(out)));
  return program;
}

/**
 * Runs fleetctl with `argv` (without node and script path); resolves with
 * the exit code. Never rejects.
 */
export async function runCli(argv: readonly string[], deps: CliDeps): Promise<number> {
  const { out } = deps;
  if (argv.length === 0) {
    out.stdout.write(rootHelp(ALL_COMMANDS, GLOBAL_FLAGS));
    return 0;
  }
  if (argv[0] === '--version' || argv[0] === '-v') return runVersion(out);
  let code = 0;
  const expanded = expandCommandPrefix(argv, ALL_COMMANDS.map((c) => c.name), VALUE_FLAGS);
  // A known cluster command needs only itself; anything else (help, an unknown name) gets every command.
  const named = CLUSTER_COMMANDS.find((c) => c.name === expanded[commandIndex(expanded, VALUE_FLAGS)]);
  const program = buildProgram(deps, (c) => (code = c), named !== undefined ? [named] : CLUSTER_COMMANDS);
  try {
    await program.parseAsync(expanded, { from: 'user' });
    return code;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 1;
    out.stderr.write(`Error: ${errorMessage(err)}\n`);
    return 1;
  }
}

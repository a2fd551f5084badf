/**
 * A {@link LocalCommands} test double: records the command lines it was
 * asked to run (built by the same argv functions as the real one) and
 * answers from a script.
 */
import { PassThrough } from 'node:stream';
import { journalArgv, statusArgv, type JournalOptions } from './command-argv.js';
import { LocalCommandError, type LocalCommands, type RunningCommand } from './local-commands.js';
import type { SystemdScope } from '../domain/index.js';

/** What a fake command does. */
export interface FakeRun {
  /** Output chunks, written in order. */
  readonly output?: readonly string[];
  /** Exit status when it ends; default 0. */
  readonly exitCode?: number;
  /** Keep running after the output (like `journalctl -f`) until aborted, then exit with 143 (SIGTERM). */
  readonly hold?: boolean;
  /** Fail to start with this message (like a missing binary). */
  readonly startError?: string;
}

/** Records and scripts local commands. */
export class FakeLocalCommands implements LocalCommands {
  /** Every command line requested, in order. */
  readonly calls: string[][] = [];
  /** Commands still running (held and not yet aborted). */
  running = 0;

  /** `script` decides each run from its argv; default: no output, exit 0. */
  constructor(
    private readonly scope: SystemdScope = 'system',
    public script: (argv: readonly string[]) => FakeRun = () => ({}),
  ) {}

  status(unit: string, signal: AbortSignal): Promise<RunningCommand> {
    return this.run(statusArgv(this.scope, unit), signal);
  }

  journal(unit: string, options: JournalOptions, signal: AbortSignal): Promise<RunningCommand> {
    return this.run(journalArgv(unit, options), signal);
  }

  private async run(argv: string[], signal: AbortSignal): Promise<RunningCommand> {
    this.calls.push(argv);
    const run = this.script(argv);
    if (run.startError !== undefined) throw new LocalCommandError(argv, { cause: new Error(run.startError) });
    const output = new PassThrough();
    for (const chunk of run.output ?? []) output.write(chunk);
    this.running++;
    const exitCode = new Promise<number>((resolve) => {
      const finish = (code: number) => {
        this.running--;
        output.end();
        resolve(code);
      };
      if (run.hold !== true) {
        setImmediate(() => finish(run.exitCode ?? 0));
      } else if (signal.aborted) {
        finish(143);
      } else {
        signal.addEventListener('abort', () => finish(143), { once: true });
      }
    });
    return { output, exitCode };
  }
}

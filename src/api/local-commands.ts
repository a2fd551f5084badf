/**
 * Running `systemctl status` / `journalctl` on this host for the API's
 * status and journal endpoints (our replacement for fleetctl's SSH).
 * {@link SpawnLocalCommands} is the real implementation the composition
 * root passes to `startApiServer`; `FakeLocalCommands` is the test double.
 */
import { spawn } from 'node:child_process';
import { PassThrough, type Readable } from 'node:stream';
import { constants } from 'node:os';
import { journalArgv, statusArgv, type JournalOptions } from './command-argv.js';
import type { SystemdScope } from '../domain/index.js';

/** A started command. */
export interface RunningCommand {
  /** stdout and stderr, interleaved as produced; ends when the command exits. */
  readonly output: Readable;
  /**
   * Resolves with the exit status once the command ended and its output
   * closed; a command ended by a signal resolves with 128 + signal number,
   * as a shell reports it. Never rejects.
   */
  readonly exitCode: Promise<number>;
}

/** The local commands the API may run, each with a fixed command line (see `command-argv.ts`). */
export interface LocalCommands {
  /**
   * Starts `systemctl status` for `unit` (validated by the caller).
   * Aborting `signal` terminates it.
   * @returns once the process started.
   * @throws {LocalCommandError} when it could not be started (binary missing, ...).
   */
  status(unit: string, signal: AbortSignal): Promise<RunningCommand>;
  /** Starts `journalctl` for `unit`; as {@link LocalCommands.status}. */
  journal(unit: string, options: JournalOptions, signal: AbortSignal): Promise<RunningCommand>;
}

/** A local command could not be started. */
export class LocalCommandError extends Error {
  readonly code = 'LOCAL_COMMAND_FAILED';
  constructor(readonly argv: readonly string[], options?: { cause?: unknown }) {
    super(`unable to run ${argv[0]}: ${(options?.cause as Error | undefined)?.message ?? 'unknown error'}`, options);
    this.name = 'LocalCommandError';
  }
}

/** Too many status/journal commands run already (`api_max_streams`); try again later. */
export class LocalCommandsBusyError extends Error {
  readonly code = 'LOCAL_COMMANDS_BUSY';
  constructor(readonly limit: number) {
    super(`too many status/journal commands running on this host (api_max_streams=${limit}); try again later`);
    this.name = 'LocalCommandsBusyError';
  }
}

/** Options of {@link SpawnLocalCommands}. */
export interface SpawnLocalCommandsOptions {
  /** `user` adds `--user` to systemctl. */
  readonly scope: SystemdScope;
  /** Environment of the commands (a user scope needs `XDG_RUNTIME_DIR` / `DBUS_SESSION_BUS_ADDRESS`); default `process.env`. */
  readonly env?: NodeJS.ProcessEnv;
  /** Commands running at once (`api_max_streams`); one more is refused with {@link LocalCommandsBusyError}. Default unlimited. */
  readonly maxRunning?: number;
}

/** Runs the commands with `child_process.spawn` (no shell), in the host's environment. */
export class SpawnLocalCommands implements LocalCommands {
  private readonly env: NodeJS.ProcessEnv;
  private running = 0;

  /** Never throws. */
  constructor(private readonly options: SpawnLocalCommandsOptions) {
    this.env = options.env ?? process.env;
  }

  status(unit: string, signal: AbortSignal): Promise<RunningCommand> {
    return this.run(statusArgv(this.options.scope, unit), signal);
  }

  journal(unit: string, options: JournalOptions, signal: AbortSignal): Promise<RunningCommand> {
    return this.run(journalArgv(unit, options), signal);
  }

  /** @throws {LocalCommandsBusyError} at the `maxRunning` cap; {@link LocalCommandError} when it cannot start. */
  private run(argv: string[], signal: AbortSignal): Promise<RunningCommand> {
    const max = this.options.maxRunning;
    if (max !== undefined && this.running >= max) return Promise.reject(new LocalCommandsBusyError(max));
    this.running++;
    let released = false;
    const release = (): void => {
      if (!released) {
        released = true;
        this.running--;
      }
    };
    return new Promise((resolve, reject) => {
      const child = spawn(argv[0]!, argv.slice(1), { env: this.env, stdio: ['ignore', 'pipe', 'pipe'], signal, killSignal: 'SIGTERM' });
      const output = new PassThrough();
      let open = 2;
      const done = () => {
        if (--open === 0) output.end();
      };
      child.stdout.on('end', done).pipe(output, { end: false });
      child.stderr.on('end', done).pipe(output, { end: false });
      const exitCode = new Promise<number>((res) => {
        child.on('close', (code, sig) => {
          release();
          res(code ?? 128 + (sig !== null ? (constants.signals[sig] ?? 0) : 0));
        });
      });
      child.once('spawn', () => resolve({ output, exitCode }));
      child.once('error', (err) => {
        // After a successful spawn, 'error' is only the abort; 'close' still reports the exit.
        if (child.pid === undefined) {
          release();
          output.end();
          reject(new LocalCommandError(argv, { cause: err }));
        }
      });
    });
  }
}

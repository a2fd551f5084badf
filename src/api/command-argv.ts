/**
 * The only command lines the API runs on a host, built from validated
 * parts and executed without a shell. A unit name may begin with `-`
 * (`-.mount`), so it follows `--` for systemctl and is `-u`'s argument
 * (never parsed as an option) for journalctl.
 */
import type { SystemdScope } from '../domain/index.js';

/** journalctl's `--output` modes (journalctl(1)). */
export const JOURNAL_OUTPUT_MODES: readonly string[] = Object.freeze([
  'short', 'short-full', 'short-iso', 'short-iso-precise', 'short-precise', 'short-monotonic', 'short-delta',
  'short-unix', 'verbose', 'export', 'json', 'json-pretty', 'json-sse', 'json-seq', 'cat', 'with-unit',
]);

/** Largest `lines` the journal endpoint accepts. */
export const MAX_JOURNAL_LINES = 1_000_000;

/** What `fleetctl journal` asks for. */
export interface JournalOptions {
  /** Most recent entries to show (`-n`), 0..{@link MAX_JOURNAL_LINES}. */
  readonly lines: number;
  /** One of {@link JOURNAL_OUTPUT_MODES}. */
  readonly output: string;
  /** Keep streaming new entries (`-f`) until the client goes away. */
  readonly follow: boolean;
}

/** `systemctl [--user] status -l --no-pager --full -- <unit>`. Never throws. */
export function statusArgv(scope: SystemdScope, unit: string): string[] {
  return ['systemctl', ...(scope === 'user' ? ['--user'] : []), 'status', '-l', '--no-pager', '--full', '--', unit];
}

/**
 * `journalctl -u <unit> --no-pager -n <lines> -o <output> [-f]` (the same
 * for both scopes: a sandbox host's journal has the unit's entries under
 * `_SYSTEMD_UNIT`, which `-u` matches and `--user-unit` does not).
 * @throws {RangeError} for options that were not validated (a bug in the caller).
 */
export function journalArgv(unit: string, options: JournalOptions): string[] {
  if (!Number.isInteger(options.lines) || options.lines < 0 || options.lines > MAX_JOURNAL_LINES) throw new RangeError(`invalid lines ${options.lines}`);
  if (!JOURNAL_OUTPUT_MODES.includes(options.output)) throw new RangeError(`invalid output mode ${options.output}`);
  return ['journalctl', '-u', unit, '--no-pager', '-n', String(options.lines), '-o', options.output, ...(options.follow ? ['-f'] : [])];
}

/**
 * The shape every cluster command file exports: its usage text, its flags
 * and a `run` that gets a context and returns the exit code. `cli/program.ts`
 * turns these into commander commands; nothing here depends on commander.
 */
import type { CommandContext } from '../context.js';

/** Parsed flags, keyed by commander's camel-cased names. */
export type Flags = Readonly<Record<string, unknown>>;

/** One flag. */
export interface FlagSpec {
  /** Commander syntax: `-n, --lines <n>`, `--no-block`, `--replace`. */
  readonly flags: string;
  readonly description: string;
  readonly defaultValue?: string | number | boolean;
  /** Converts the text value; throw an Error with a user-facing message to reject it. */
  readonly parse?: (value: string) => unknown;
  /** Accepted but not listed in help (fleet's odd `--l`/`--f` spellings). */
  readonly hidden?: boolean;
}

/** A command that talks to the cluster. */
export interface CommandSpec {
  readonly name: string;
  /** Argument synopsis as printed in help: `UNIT...`. */
  readonly usage: string;
  /** One line for the command list. */
  readonly summary: string;
  /** Longer help text; optional. */
  readonly description?: string;
  readonly flags: readonly FlagSpec[];
  /** Runs the command; resolves with the exit code, never rejects for expected failures. */
  run(ctx: CommandContext, args: readonly string[], flags: Flags): Promise<number>;
}

/** Parses a non-negative integer flag value. */
export function parseCount(value: string): number {
  if (!/^\d+$/.test(value.trim())) throw new Error(`invalid number ${JSON.stringify(value)}`);
  return Number(value.trim());
}

/** Reads a boolean flag. */
export function flag(flags: Flags, name: string): boolean {
  return flags[name] === true;
}

/** Reads a numeric flag, falling back to `fallback`. */
export function count(flags: Flags, name: string, fallback: number): number {
  const v = flags[name];
  return typeof v === 'number' ? v : fallback;
}

/** Reads a string flag, falling back to `fallback`. */
export function text(flags: Flags, name: string, fallback: string): string {
  const v = flags[name];
  return typeof v === 'string' ? v : fallback;
}

/**
 * The `-o text|json` flag of the newer commands (explain, events, rollout
 * status, apply); anything else is refused naming the value.
 */
export function parseTextOrJson(value: string): 'text' | 'json' {
  if (value !== 'text' && value !== 'json') throw new Error(`invalid output format ${JSON.stringify(value)}: use text or json`);
  return value;
}

/** `--no-block` and `--block-attempts`, shared by load/start/stop/unload/destroy. */
export const BLOCK_FLAGS: readonly FlagSpec[] = [
  { flags: '--block-attempts <n>', description: 'Wait up to N windows of 2s for the units to reach their state; 0 waits forever.', defaultValue: 0, parse: parseCount },
  { flags: '--no-block', description: 'Do not wait for the units to reach their state.' },
];

/** `--ignore-missing`, shared by stop/unload/destroy. */
export const IGNORE_MISSING_FLAG: FlagSpec = {
  flags: '--ignore-missing',
  description: 'Do not fail when a named unit does not exist (without it: "Unit X not found" on stderr and exit 1; the other units are still acted on).',
};

/** `--replace`, shared by submit/load/start. */
export const REPLACE_FLAG: FlagSpec = { flags: '--replace', description: 'Replace the unit in the cluster with the local unit file (keeps its desired state).' };

/** `--no-block` was given: commander stores it as `block: false`. */
export function noBlock(flags: Flags): boolean {
  return flags['block'] === false;
}

/** `--no-block` and `--block-attempts` as the waiting commands take them. */
export function blockOptions(flags: Flags): { noBlock: boolean; blockAttempts: number } {
  return { noBlock: noBlock(flags), blockAttempts: count(flags, 'blockAttempts', 0) };
}

/** `--ignore-missing` was given. */
export function ignoreMissing(flags: Flags): boolean {
  return flag(flags, 'ignoreMissing');
}

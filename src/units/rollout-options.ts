/**
 * The rollout settings a unit file may carry in `[X-Fleet]`, so they travel
 * with the unit (`fleetctl rollout` flags override them):
 *
 * ```
 * [X-Fleet]
 * RolloutMaxParallel=2          # targets updated at once (integer >= 1)
 * RolloutMinHealthyTime=10s     # Go duration, or a bare number of seconds
 * RolloutHealthyDeadline=5m
 * RolloutAutoRevert=true        # unit-file boolean (true/yes/1/on ...)
 * ```
 *
 * Named like the other `[X-Fleet]` keys (CamelCase, one word per concept).
 * A malformed value is a problem of the unit (it cannot be submitted), named
 * with the key and the value as written.
 */
import { parseLooseBool } from '../domain/index.js';
import { parseGoDuration } from '../fleetd/duration.js';
import { atLine, type OptionLines, type UnitOption } from './options.js';
import { goQuote } from './text.js';

/** The `[X-Fleet]` keys of rollout settings. */
export const ROLLOUT_XFLEET_KEYS = ['RolloutMaxParallel', 'RolloutMinHealthyTime', 'RolloutHealthyDeadline', 'RolloutAutoRevert'] as const;

/** Settings given in a unit file; absent fields were not given. */
export interface RolloutOptionValues {
  readonly maxParallel?: number;
  readonly minHealthyTimeMs?: number;
  readonly healthyDeadlineMs?: number;
  readonly autoRevert?: boolean;
}

/** What {@link readRolloutOptions} found. */
export interface RolloutOptionsReading {
  readonly values: RolloutOptionValues;
  /** One message per malformed value, e.g. `RolloutMaxParallel value "0" is not an integer >= 1`; empty when all is well. */
  readonly problems: readonly string[];
}

/**
 * Parses a count of targets (integer >= 1).
 * @throws {Error} `not an integer >= 1`.
 */
export function parseMaxParallel(raw: string): number {
  const t = raw.trim();
  if (!/^\d+$/.test(t) || Number(t) < 1 || !Number.isSafeInteger(Number(t))) throw new Error('not an integer >= 1');
  return Number(t);
}

/**
 * Parses a duration: Go's syntax (`10s`, `1m30s`, `500ms`) or a bare number
 * of seconds (systemd's default unit).
 * @returns milliseconds (>= 0, whole).
 * @throws {Error} naming what is expected.
 */
export function parseRolloutDuration(raw: string): number {
  const t = raw.trim();
  if (/^\d+(\.\d+)?$/.test(t)) return Math.round(Number(t) * 1000);
  let ms: number;
  try {
    ms = parseGoDuration(t);
  } catch {
    throw new Error('not a duration (examples: 10s, 1m30s, 5m, or a number of seconds)');
  }
  if (ms < 0) throw new Error('negative (a duration must be >= 0)');
  return Math.round(ms);
}

/**
 * Reads the rollout settings of a unit's options (the last value of a key
 * wins, as systemd does); with `lines`, a problem names the value's line.
 * Never throws.
 */
export function readRolloutOptions(options: readonly UnitOption[], lines?: OptionLines): RolloutOptionsReading {
  const problems: string[] = [];
  const out: { -readonly [K in keyof RolloutOptionValues]: RolloutOptionValues[K] } = {};
  const last = (key: string): UnitOption | undefined => options.filter((o) => o.section === 'X-Fleet' && o.name === key).at(-1);
  const read = <T>(key: string, parse: (raw: string) => T, set: (v: T) => void): void => {
    const option = last(key);
    if (option === undefined) return;
    try {
      set(parse(option.value));
    } catch (err) {
      problems.push(`${atLine(lines, option)}${key} value ${goQuote(option.value)} is ${(err as Error).message}`);
    }
  };
  read('RolloutMaxParallel', parseMaxParallel, (v) => (out.maxParallel = v));
  read('RolloutMinHealthyTime', parseRolloutDuration, (v) => (out.minHealthyTimeMs = v));
  read('RolloutHealthyDeadline', parseRolloutDuration, (v) => (out.healthyDeadlineMs = v));
  read(
    'RolloutAutoRevert',
    (raw) => {
      const b = parseLooseBool(raw);
      if (b === undefined) throw new Error('not a boolean (true/false, yes/no, 1/0, on/off)');
      return b;
    },
    (v) => (out.autoRevert = v),
  );
  return { values: out, problems };
}

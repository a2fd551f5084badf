/**
 * The rollout settings flags, shared by `fleetctl rollout FILE` and
 * `fleetctl apply` (one spelling, one parser: the unit library's, which
 * also reads `[X-Fleet] Rollout*=`).
 */
import { parseMaxParallel, parseRolloutDuration } from '../../src/units/index.js';
import type { RolloutSettingsInput } from '../../src/rollout/index.js';
import { flag, type FlagSpec, type Flags } from './spec.js';

/** `--max-parallel`, `--min-healthy-time`, `--healthy-deadline`, `--auto-revert`. */
export const ROLLOUT_SETTING_FLAGS: readonly FlagSpec[] = [
  { flags: '--max-parallel <n>', description: 'Targets (instances, or machines of a global unit) updated at once.', parse: (v) => parseMaxParallel(v) },
  { flags: '--min-healthy-time <duration>', description: 'How long a target must stay active/running to count as healthy (10s, 1m30s, or seconds).', parse: (v) => parseRolloutDuration(v) },
  { flags: '--healthy-deadline <duration>', description: 'A batch not healthy this long after it started fails the rollout.', parse: (v) => parseRolloutDuration(v) },
  { flags: '--auto-revert', description: 'On failure, put the previous text back, batch by batch.' },
];

/** The settings the flags give (absent: not given, so the file's `[X-Fleet]` value or the default applies). */
export function rolloutSettingsOf(flags: Flags): RolloutSettingsInput {
  return {
    ...(typeof flags['maxParallel'] === 'number' ? { maxParallel: flags['maxParallel'] } : {}),
    ...(typeof flags['minHealthyTime'] === 'number' ? { minHealthyTimeMs: flags['minHealthyTime'] } : {}),
    ...(typeof flags['healthyDeadline'] === 'number' ? { healthyDeadlineMs: flags['healthyDeadline'] } : {}),
    ...(flag(flags, 'autoRevert') ? { autoRevert: true } : {}),
  };
}

/**
 * Rollout settings resolved in one place: what the request (flags) gives,
 * over what the unit's `[X-Fleet]` gives, over the defaults (Nomad's:
 * one at a time, 10 s healthy, 5 min deadline, no automatic revert).
 */
import { readRolloutOptions, type RolloutOptionValues, type UnitOption } from '../units/index.js';
import { RolloutRejectedError } from './errors.js';
import type { RolloutSettings } from './types.js';

/** Defaults of every setting. */
export const DEFAULT_ROLLOUT_SETTINGS: RolloutSettings = Object.freeze({
  maxParallel: 1,
  minHealthyTimeMs: 10_000,
  healthyDeadlineMs: 5 * 60_000,
  autoRevert: false,
});

/** Settings a request gives (absent: not given). Same shape as the unit-file values. */
export type RolloutSettingsInput = RolloutOptionValues;

/**
 * Resolves settings for the unit `group` with options `options`.
 * @returns every setting.
 * @throws {RolloutRejectedError} `invalid` naming the key and value of a
 *   malformed `[X-Fleet]` value, or a deadline not longer than the healthy time.
 */
export function resolveRolloutSettings(group: string, options: readonly UnitOption[], given: RolloutSettingsInput = {}): RolloutSettings {
  const { values, problems } = readRolloutOptions(options);
  if (problems.length > 0) throw new RolloutRejectedError('invalid', group, `${group}: ${problems.join('; ')}`);
  const pick = <K extends keyof RolloutSettings>(k: K): RolloutSettings[K] => (given[k] ?? values[k] ?? DEFAULT_ROLLOUT_SETTINGS[k]) as RolloutSettings[K];
  const s: RolloutSettings = {
    maxParallel: pick('maxParallel'),
    minHealthyTimeMs: pick('minHealthyTimeMs'),
    healthyDeadlineMs: pick('healthyDeadlineMs'),
    autoRevert: pick('autoRevert'),
  };
  if (!Number.isSafeInteger(s.maxParallel) || s.maxParallel < 1) throw new RolloutRejectedError('invalid', group, `max parallel must be an integer >= 1, got ${s.maxParallel}`);
  if (!(s.minHealthyTimeMs >= 0)) throw new RolloutRejectedError('invalid', group, `min healthy time must be >= 0, got ${s.minHealthyTimeMs} ms`);
  if (!(s.healthyDeadlineMs > s.minHealthyTimeMs)) {
    throw new RolloutRejectedError('invalid', group, `healthy deadline (${formatMs(s.healthyDeadlineMs)}) must be longer than min healthy time (${formatMs(s.minHealthyTimeMs)})`);
  }
  return s;
}

/** A duration for messages: `10s`, `5m0s`, `1.5s`, `250ms`. */
export function formatMs(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  const s = ms / 1000;
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  return `${m}m${Math.round((s - m * 60) * 1000) / 1000}s`;
}

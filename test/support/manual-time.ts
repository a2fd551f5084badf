import assert from 'node:assert/strict';
import type { ManualClock } from '../../src/clock.js';

/**
 * Advances `clock` in `stepMs` steps until `check` holds (a positive marker),
 * failing after `maxMs` of manual time: the manual-clock counterpart of
 * `waitFor`, so a test waits on what happened, never on a sleep.
 */
export async function advanceUntil(clock: ManualClock, what: string, check: () => Promise<boolean> | boolean, maxMs = 1000, stepMs = 10): Promise<void> {
  for (let t = 0; !(await check()); t += stepMs) {
    if (t >= maxMs) assert.fail(`${what}: not within ${maxMs} ms of manual time`);
    await clock.advance(stepMs);
  }
}

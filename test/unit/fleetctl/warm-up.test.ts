/**
 * The snapshot's build-time warm-up (fleetctl/cli/warm-up.ts) runs its
 * commands to success against the canned answers; if one failed, the
 * snapshot build would fail (or, worse, warm the error path).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WARM_COMMANDS, warmUp } from '../../../fleetctl/cli/warm-up.js';

test('warmUp: every warmed command exits 0 against the canned answers, without a socket', async () => {
  assert.ok(WARM_COMMANDS.some((argv) => argv.join(' ') === 'list-unit-files --no-legend --fields=unit'), 'the shell completion query is warmed');
  await warmUp();
});

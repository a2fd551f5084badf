import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { FLEETD_ENV, FLEETD_NODE_FLAGS } from '../../../src/fleetd/node-flags.js';

test('the fleetd bin starts Node with the documented memory settings', () => {
  const shebang = readFileSync(new URL('../../../src/bin/fleetd.js', import.meta.url), 'utf8').split('\n')[0]!;
  const env = Object.entries(FLEETD_ENV).map(([k, v]) => `${k}=${v}`);
  assert.equal(shebang, `#!/usr/bin/env -S ${[...env, 'node', ...FLEETD_NODE_FLAGS].join(' ')}`);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { FLEETD_ENV, FLEETD_NODE_FLAGS } from '../../../src/fleetd/node-flags.js';

test('the fleetd bin, and the bundle installed as fleetd, start Node with the documented memory settings', () => {
  const env = Object.entries(FLEETD_ENV).map(([k, v]) => `${k}=${v}`);
  for (const bin of ['../../../src/bin/fleetd.js', '../../../fleetd-bundle/fleetd.js']) {
    const shebang = readFileSync(new URL(bin, import.meta.url), 'utf8').split('\n')[0]!;
    assert.equal(shebang, `#!/usr/bin/env -S ${[...env, 'node', ...FLEETD_NODE_FLAGS].join(' ')}`, bin);
    // Linux before 5.1 reads 127 characters of the line and would cut the last option.
    assert.ok(shebang.length <= 127, `${bin}: the #! line is ${shebang.length} characters`);
  }
});

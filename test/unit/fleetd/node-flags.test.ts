import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { FLEETD_ENV, FLEETD_NODE_FLAGS } from '../../../src/fleetd/node-flags.js';
import { DEFER_EXTRA_CA_CERTS_ENV_ARGS } from '../../../src/tls/extra-ca-certs.js';

test('the fleetd bin, and the bundle installed as fleetd, start Node with the documented memory settings, NODE_EXTRA_CA_CERTS moved aside', () => {
  const env = Object.entries(FLEETD_ENV).map(([k, v]) => `${k}=${v}`);
  for (const bin of ['../../../src/bin/fleetd.js', '../../../fleetd-bundle/fleetd.js']) {
    const shebang = readFileSync(new URL(bin, import.meta.url), 'utf8').split('\n')[0]!;
    assert.equal(shebang, `#!/usr/bin/env -S ${[DEFER_EXTRA_CA_CERTS_ENV_ARGS, ...env, 'node', ...FLEETD_NODE_FLAGS].join(' ')}`, bin);
    // Linux reads 256 bytes of the line since 5.1 (127 before) and refuses to start a longer one.
    assert.ok(shebang.length + 1 <= 256, `${bin}: the #! line is ${shebang.length} characters`);
  }
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { FLEETCTL_NODE_FLAGS } from '../../../fleetctl/cli/node-flags.js';
import { DEFER_EXTRA_CA_CERTS_ENV_ARGS } from '../../../src/tls/extra-ca-certs.js';

test('the fleetctl bin, and the bundle installed as fleetctl, start Node with the documented flags, NODE_EXTRA_CA_CERTS moved aside', () => {
  for (const bin of ['../../../fleetctl/main.js', '../../../fleetctl-bundle/main.js']) {
    const shebang = readFileSync(new URL(bin, import.meta.url), 'utf8').split('\n')[0]!;
    assert.equal(shebang, `#!/usr/bin/env -S ${[DEFER_EXTRA_CA_CERTS_ENV_ARGS, 'node', ...FLEETCTL_NODE_FLAGS].join(' ')}`, bin);
  }
});

test('the fleetctl launcher starts Node with the same flags, from the snapshot or the plain bundle, NODE_EXTRA_CA_CERTS moved aside', () => {
  const launcher = readFileSync(new URL('../../../fleetctl-bundle/fleetctl', import.meta.url), 'utf8');
  const flags = FLEETCTL_NODE_FLAGS.join(' ');
  assert.ok(launcher.includes(`exec "$node" ${flags} --snapshot-blob "$dir/fleetctl.blob" -- "$@"`), launcher);
  assert.ok(launcher.includes(`exec "$node" ${flags} "$dir/main.js" "$@"`), launcher);
  assert.ok(launcher.includes('FLEET_EXTRA_CA_CERTS=${NODE_EXTRA_CA_CERTS-}') && launcher.includes('unset NODE_EXTRA_CA_CERTS'), launcher);
});

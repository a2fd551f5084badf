#!/usr/bin/env -S -u NODE_EXTRA_CA_CERTS FLEET_EXTRA_CA_CERTS=${NODE_EXTRA_CA_CERTS} MALLOC_ARENA_MAX=2 MALLOC_MMAP_THRESHOLD_=131072 node --max-semi-space-size=1 --max-old-space-size=512 --bytecode-old-age=1 --expose-gc --no-allocation-site-pretenuring
// Memory settings: see src/fleetd/node-flags.ts (keep the two in sync). The
// CA file of NODE_EXTRA_CA_CERTS is moved aside and read only when fleetd
// makes a TLS client connection (src/tls/extra-ca-certs.ts). The line must
// stay within 255 characters, what Linux reads of it since 5.1.
import { main } from '../fleetd/main.js';
import { restoreExtraCaCerts } from '../tls/extra-ca-certs.js';

restoreExtraCaCerts();
main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`fleetd: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);

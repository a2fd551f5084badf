#!/usr/bin/env -S MALLOC_ARENA_MAX=2 node --max-semi-space-size=1 --max-old-space-size=512
// Memory settings: see src/fleetd/node-flags.ts (keep the two in sync).
import { main } from '../fleetd/main.js';

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`fleetd: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);

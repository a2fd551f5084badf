#!/usr/bin/env -S MALLOC_ARENA_MAX=2 MALLOC_MMAP_THRESHOLD_=131072 node --max-semi-space-size=1 --max-old-space-size=512
// Memory settings: see src/fleetd/node-flags.ts (keep the two in sync; the
// line must stay within 127 characters, what Linux before 5.1 reads of it).
import { main } from '../fleetd/main.js';

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`fleetd: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);

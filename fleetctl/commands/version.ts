/** `fleetctl version` (and `--version`/`-v`). */
import { VERSION } from '../../src/version.js';
import type { Output } from '../output/io.js';

/** Prints `fleetctl version <v>`; returns 0. */
export function runVersion(out: Output): number {
  out.stdout.write(`fleetctl version ${VERSION}\n`);
  return 0;
}

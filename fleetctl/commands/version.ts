/** `fleetctl version` (and `--version`/`-v`). */
import { VERSION } from '../../src/version.js';
import type { Output } from '../output/io.js';

/**
 * True when `argv` (without node and script path) asks for the version and
 * nothing else: `version`, `--version` or `-v` alone.
 */
export function isVersionRequest(argv: readonly string[]): boolean {
  return argv.length === 1 && (argv[0] === 'version' || argv[0] === '--version' || argv[0] === '-v');
}

/** Prints `fleetctl version <v>`; returns 0. */
export function runVersion(out: Output): number {
  out.stdout.write(`fleetctl version ${VERSION}\n`);
  return 0;
}

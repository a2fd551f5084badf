/** `fleetctl ssh`: not supported; status and journal go through the fleet API instead. */
import type { Output } from '../output/io.js';

/** Prints why and returns 1. */
export function runSsh(out: Output): number {
  out.stderr.write('fleetctl ssh is not supported: use "fleetctl status UNIT" or "fleetctl journal UNIT", which reach the unit\'s machine through its fleet API\n');
  return 1;
}

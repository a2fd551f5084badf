/** Looking up the units named on the command line. */
import type { FleetClient, FleetUnit } from '../client/types.js';
import type { Output } from '../output/io.js';
import { mangleUnitName } from '../../src/units/index.js';

/**
 * The existing units for `args` (mangled names), in argument order without
 * duplicates. Missing units are left out; `missing` lists their names.
 * @throws the client's error when the registry cannot be read.
 */
export async function findUnits(client: FleetClient, args: readonly string[]): Promise<{ units: FleetUnit[]; missing: string[] }> {
  const names = [...new Set(args.map(mangleUnitName))];
  const found = await Promise.all(names.map((n) => client.getUnit(n)));
  const units: FleetUnit[] = [];
  const missing: string[] = [];
  names.forEach((n, i) => (found[i] ? units.push(found[i]!) : missing.push(n)));
  return { units, missing };
}

/**
 * stop / unload / destroy of units that do not exist: each missing name
 * gets `Unit NAME not found` on stderr and makes the command fail (as
 * `systemctl stop` and `kubectl delete` do; fleet warned and exited 0),
 * unless `ignoreMissing` (`--ignore-missing`), which keeps scripts
 * idempotent and prints nothing. Returns true when the command must exit non-zero.
 */
export function reportMissing(out: Output, missing: readonly string[], ignoreMissing: boolean): boolean {
  if (ignoreMissing) return false;
  for (const name of missing) out.stderr.write(`Unit ${name} not found\n`);
  return missing.length > 0;
}

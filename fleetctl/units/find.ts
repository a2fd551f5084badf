/** Looking up the units named on the command line. */
import type { FleetClient, FleetUnit } from '../client/types.js';
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

/**
 * Looking up the units named on the command line, and the pacing every bulk
 * command shares: a few names are fetched one GET each (in parallel), many
 * with one listing, and writes go out at most {@link REQUEST_CONCURRENCY} at
 * a time, so 1,000 units never mean 1,000 simultaneous requests.
 */
import type { FleetClient, FleetUnit, FleetUnitState, FleetUnitSummary } from '../client/types.js';
import { unitSummary } from '../client/unit-view.js';
import type { Output } from '../output/io.js';
import { mangleUnitName } from '../../src/units/index.js';
import { pooled } from '../../src/pool.js';

/** API requests a bulk command keeps in flight. */
export const REQUEST_CONCURRENCY = 16;

/**
 * Up to this many names are looked up one GET each; more take one listing
 * (a few pages), which costs the API less than a GET per unit.
 */
export const PER_UNIT_LOOKUP_LIMIT = 4;

/**
 * The units called `names` that exist, by name.
 * @throws the client's error when the registry cannot be read.
 */
export async function lookupUnits(client: FleetClient, names: readonly string[]): Promise<Map<string, FleetUnit>> {
  if (names.length > PER_UNIT_LOOKUP_LIMIT) {
    const wanted = new Set(names);
    return new Map((await client.listUnits()).filter((u) => wanted.has(u.name)).map((u) => [u.name, u]));
  }
  const found = await pooled(names, REQUEST_CONCURRENCY, (n) => client.getUnit(n));
  return new Map(found.flatMap((u) => (u === undefined ? [] : [[u.name, u] as const])));
}

/**
 * The units called `names` that exist, by name, without their unit files
 * (what stop, unload, destroy and every wait round need): many names take
 * one listing without options (`listUnitSummaries`: a fraction of the bytes
 * and work of a full listing on both sides), a few one GET each.
 * @throws the client's error when the registry cannot be read.
 */
export async function lookupUnitSummaries(client: FleetClient, names: readonly string[]): Promise<Map<string, FleetUnitSummary>> {
  if (names.length <= PER_UNIT_LOOKUP_LIMIT) return new Map([...(await lookupUnits(client, names))].map(([name, u]) => [name, unitSummary(u)]));
  const wanted = new Set(names);
  return new Map((await client.listUnitSummaries()).filter((u) => wanted.has(u.name)).map((u) => [u.name, u]));
}

/**
 * The state reports of the units called `names`, by name (a unit without
 * reports is absent). One listing for many names, one call each for a few.
 * @throws the client's error when the registry cannot be read.
 */
export async function lookupStates(client: FleetClient, names: readonly string[]): Promise<Map<string, FleetUnitState[]>> {
  const wanted = new Set(names);
  const states = names.length > PER_UNIT_LOOKUP_LIMIT ? await client.listUnitStates() : (await pooled(names, REQUEST_CONCURRENCY, (n) => client.listUnitStates({ unitName: n }))).flat();
  const out = new Map<string, FleetUnitState[]>();
  for (const s of states) {
    if (!wanted.has(s.name)) continue;
    const list = out.get(s.name);
    if (list === undefined) out.set(s.name, [s]);
    else list.push(s);
  }
  return out;
}

/**
 * The existing units for `args` (mangled names), without their unit files,
 * in argument order without duplicates. Missing units are left out; `missing` lists their names.
 * @throws the client's error when the registry cannot be read.
 */
export async function findUnits(client: FleetClient, args: readonly string[]): Promise<{ units: FleetUnitSummary[]; missing: string[] }> {
  const names = [...new Set(args.map(mangleUnitName))];
  const found = await lookupUnitSummaries(client, names);
  const units: FleetUnitSummary[] = [];
  const missing: string[] = [];
  for (const n of names) {
    const u = found.get(n);
    if (u === undefined) missing.push(n);
    else units.push(u);
  }
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

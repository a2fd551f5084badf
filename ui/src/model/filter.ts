/**
 * The units table's filter: a search text (a substring of the name, or a
 * glob with `*`, `?` or `[` as fleet matches unit names), the current
 * state, the desired state and a machine id prefix. Pure.
 */
import { globMatch } from '../../../src/units/glob.js';
import { cmp, healthOfUnit, type ClusterData, type Health } from './cluster.js';

/** What the table shows; empty fields match everything. */
export interface UnitFilter {
  readonly text: string;
  /** `''`, or a {@link Health} the unit must have. */
  readonly health: '' | Health;
  /** `''`, `inactive`, `loaded` or `launched`. */
  readonly desired: string;
  /** A machine id prefix the unit must run (or be scheduled) on. */
  readonly machine: string;
}

/** The filter that matches every unit. */
export const NO_FILTER: UnitFilter = Object.freeze({ text: '', health: '', desired: '', machine: '' });

/** True when `text` is a glob rather than a plain substring. */
export function isGlobText(text: string): boolean {
  return /[*?[]/.test(text);
}

/** The names of the units that pass `f`, sorted. Never throws (a malformed glob matches nothing). */
export function filterUnits(data: ClusterData, f: UnitFilter): string[] {
  const text = f.text.trim();
  const glob = isGlobText(text);
  const lower = text.toLowerCase();
  const out: string[] = [];
  for (const u of data.units.values()) {
    if (text !== '' && !(glob ? globMatch(text, u.name) : u.name.toLowerCase().includes(lower))) continue;
    if (f.desired !== '' && u.desiredState !== f.desired) continue;
    if (f.machine !== '' && !runsOn(data, u.name, u.machineID, f.machine)) continue;
    if (f.health !== '' && healthOfUnit(data, u.name) !== f.health) continue;
    out.push(u.name);
  }
  return out.sort(cmp);
}

function runsOn(data: ClusterData, name: string, scheduledTo: string | undefined, prefix: string): boolean {
  if (scheduledTo?.startsWith(prefix)) return true;
  for (const id of data.states.get(name)?.keys() ?? []) if (id.startsWith(prefix)) return true;
  return false;
}

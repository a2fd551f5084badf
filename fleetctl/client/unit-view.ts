/** Unit facts commands need that the API's Unit entity does not spell out. */
import { extractRequirements } from '../../src/units/index.js';
import type { FleetUnit, FleetUnitSummary } from './types.js';

/** True when the unit's `[X-Fleet]` says `Global=true` (unreadable sections count as not global). Never throws. */
export function isGlobalUnit(unit: { readonly name: string; readonly options: FleetUnit['options'] }): boolean {
  return extractRequirements(unit.options, unit.name).requirements.global;
}

/** The unit without its file, as `listUnitSummaries` lists it. */
export function unitSummary(unit: FleetUnit): FleetUnitSummary {
  const { options, ...rest } = unit;
  return { ...rest, global: options.length > 0 && isGlobalUnit({ name: unit.name, options }) };
}

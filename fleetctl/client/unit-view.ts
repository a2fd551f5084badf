/** Unit facts commands need that the API's Unit entity does not spell out. */
import { isGlobalUnit } from '../../src/units/index.js';
import type { FleetUnit, FleetUnitSummary } from './types.js';

/** The unit without its file, as `listUnitSummaries` lists it. */
export function unitSummary(unit: FleetUnit): FleetUnitSummary {
  const { options, ...rest } = unit;
  return { ...rest, global: options.length > 0 && isGlobalUnit({ name: unit.name, options }) };
}

import { buildUnit } from '../../src/units/unit.js';
import type { UnitWithText } from '../../src/registry/index.js';

/** A registry unit record from unit-file text, as the API would store it. */
export function unitRecord(name: string, text: string): UnitWithText {
  const u = buildUnit(name, text);
  return { name: u.name, options: u.options, text: u.text, hash: u.hash };
}

/** A plain long-running service, optionally with an `[X-Fleet]` section. */
export function sleeper(name: string, xfleet = ''): UnitWithText {
  return unitRecord(name, `[Service]\nExecStart=/bin/sleep 100000\n${xfleet ? `\n[X-Fleet]\n${xfleet}\n` : ''}`);
}

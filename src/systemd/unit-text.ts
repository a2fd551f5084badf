/**
 * How the systemd layer reads unit text: through the one unit-file parser
 * (`src/units`), never a second one. The text a driver receives is the
 * canonical text the registry stores, so it parses; text that does not (a
 * hand-written test input) reads as having no options, and systemd itself
 * then reports the unit as it loads it.
 */
import { parseUnitFile, UnitParseError, type UnitOption } from '../units/index.js';

/** The options of `text`, in file order; [] when it is not a parseable unit file. Never throws. */
export function unitTextOptions(text: string): readonly UnitOption[] {
  try {
    return parseUnitFile(text);
  } catch (err) {
    if (err instanceof UnitParseError) return [];
    throw err;
  }
}

/** Whether unit text has an `[Install]` section with at least one option (fleet enables such units). Never throws. */
export function hasInstallSection(text: string): boolean {
  return unitTextOptions(text).some((o) => o.section === 'Install');
}

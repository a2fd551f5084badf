/**
 * The unit aggregate: everything the rest of fleet needs to know about one
 * named unit file, computed once by buildUnit.
 */
import type { UnitOption } from './options.js';
import { canonicalOrder, unitDescription } from './options.js';
import { hashUnitText } from './hash.js';
import { validateUnitName } from './names.js';
import { parseUnitFileLines } from './parser.js';
import type { UnitRequirements } from './requirements.js';
import { serializeUnit } from './serialize.js';
import { validateUnitOptions } from './validate.js';

/** A validated, named unit file. */
export interface Unit {
  /** The unit name, e.g. `web@1.service`. */
  readonly name: string;
  /** Options in canonical order (grouped by section), i.e. exactly what `text` parses back to. */
  readonly options: readonly UnitOption[];
  /** Canonical text: what the registry stores, `fleetctl cat` prints and the agent writes to disk. */
  readonly text: string;
  /** SHA-1 of `text`, 40 lowercase hex characters. */
  readonly hash: string;
  /** First `[Unit] Description=`, or "". */
  readonly description: string;
  /** What `[X-Fleet]` asks of the machine, specifiers expanded for `name`. */
  readonly requirements: UnitRequirements;
  /** Warnings for the user (unknown or deprecated keys, ...); empty when none. */
  readonly warnings: readonly string[];
}

/**
 * Builds the unit `name` from file text/bytes or from options (as the API
 * receives them). Returns the aggregate. Throws InvalidUnitNameError for a
 * bad name, UnitParseError for unparsable text, UnitValidationError for
 * unusable options (from text, each problem with a value names its line).
 */
export function buildUnit(name: string, source: string | Uint8Array | readonly UnitOption[]): Unit {
  validateUnitName(name);
  const file = typeof source === 'string' || source instanceof Uint8Array ? parseUnitFileLines(source) : undefined;
  const parsed = file?.options ?? (source as readonly UnitOption[]);
  const { requirements, warnings } = validateUnitOptions(parsed, name, file?.lines);
  const options = Object.freeze(canonicalOrder(parsed).map((o) => Object.freeze({ section: o.section, name: o.name, value: o.value })));
  const text = serializeUnit(options);
  return Object.freeze({
    name,
    options,
    text,
    hash: hashUnitText(text),
    description: unitDescription(options),
    requirements,
    warnings: Object.freeze([...warnings]),
  });
}

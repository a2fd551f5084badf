/** A unit's file as the dashboard shows it: the canonical text fleet stores (and hashes). Pure. */
import type { ApiUnit } from '../../../src/api/schema.js';
import { serializeUnit } from '../../../src/units/serialize.js';

/** The canonical text of `unit`'s options; "" when the API sent none. */
export function unitFileText(unit: ApiUnit): string {
  return serializeUnit((unit.options ?? []).map((o) => ({ section: o.section, name: o.name, value: o.value ?? '' })));
}

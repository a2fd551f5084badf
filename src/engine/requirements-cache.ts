import { extractRequirements } from '../units/xfleet.js';
import type { UnitRequirements } from '../units/requirements.js';
import type { UnitRecord } from '../registry/index.js';

/** Requirements of one unit body, or why they could not be read. */
export type RequirementsResult = { readonly ok: true; readonly requirements: UnitRequirements } | { readonly ok: false; readonly problems: readonly string[] };

/** Reads `unit`'s `[X-Fleet]` requirements (not memoised). */
export function readRequirements(unit: UnitRecord): RequirementsResult {
  const ex = extractRequirements(unit.options, unit.name);
  return ex.problems.length === 0 ? { ok: true, requirements: ex.requirements } : { ok: false, problems: ex.problems };
}

/**
 * Parses each unit body's `[X-Fleet]` once per content hash: unit bodies are
 * immutable, and at 10,000 units re-reading them on every pass would be the
 * engine's main cost (fleet's scaling notes name exactly this).
 */
export class RequirementsCache {
  private readonly byName = new Map<string, { hash: string; result: RequirementsResult }>();

  /** The requirements of `unit`; computed on first sight of its hash. */
  get(unit: UnitRecord): RequirementsResult {
    const hit = this.byName.get(unit.name);
    if (hit !== undefined && hit.hash === unit.hash) return hit.result;
    const result = readRequirements(unit);
    this.byName.set(unit.name, { hash: unit.hash, result });
    return result;
  }

  /** Drops entries of units that no longer exist. */
  retain(names: ReadonlySet<string> | ReadonlyMap<string, unknown>): void {
    for (const name of this.byName.keys()) if (!names.has(name)) this.byName.delete(name);
  }
}

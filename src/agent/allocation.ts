/**
 * What the units scheduled to this machine request, summed: the agent
 * publishes it in its machine record (`resources.allocated`) so
 * list-machines, the API and metrics show it without reading the cluster.
 * Requests are read once per unit body (bodies are immutable per hash).
 */
import { UnitError } from '../units/errors.js';
import { parseUnitFile } from '../units/parser.js';
import { extractRequirements } from '../units/xfleet.js';
import { sumAmounts, type ResourceAmounts } from '../resources/index.js';

/** Requests per unit body, and their sum over a schedule. */
export class Allocation {
  private readonly byName = new Map<string, { hash: string; requests: ResourceAmounts }>();

  /**
   * The sum of the requests of `scheduled` (name -> hash), reading each
   * unit's text by hash through `body`; undefined when a body is not available yet (the sum
   * would be wrong). Forgets units no longer scheduled. Never throws: a
   * body whose Resources= cannot be read requests nothing.
   */
  sum(scheduled: ReadonlyMap<string, string>, body: (hash: string) => string | undefined): ResourceAmounts | undefined {
    for (const name of this.byName.keys()) if (!scheduled.has(name)) this.byName.delete(name);
    const parts: ResourceAmounts[] = [];
    for (const [name, hash] of scheduled) {
      let hit = this.byName.get(name);
      if (hit === undefined || hit.hash !== hash) {
        const text = body(hash);
        if (text === undefined) return undefined;
        hit = { hash, requests: requestsOf(name, text) };
        this.byName.set(name, hit);
      }
      parts.push(hit.requests);
    }
    return sumAmounts(parts);
  }
}

/** True when `a` and `b` hold the same amounts. */
export function sameAmounts(a: ResourceAmounts, b: ResourceAmounts): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => a[k] === b[k]);
}

/** What a unit's `[X-Fleet] Resources=` requests; nothing when its text cannot be read. */
function requestsOf(name: string, text: string): ResourceAmounts {
  try {
    return extractRequirements(parseUnitFile(text), name).requirements.resources ?? {};
  } catch (err) {
    if (!(err instanceof UnitError)) throw err;
    return {};
  }
}

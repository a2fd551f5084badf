import type { AgentRegistry, UnitRecord } from '../registry/index.js';

/**
 * Unit bodies the agent needs, fetched from the registry only for names it
 * has not seen at the scheduled hash. Bodies are immutable per hash, so an
 * idle agent makes no reads at all.
 */
export class UnitBodies {
  private readonly byName = new Map<string, UnitRecord>();

  constructor(private readonly registry: AgentRegistry) {}

  /** The cached body of `name` if it has `hash`; undefined otherwise. */
  get(name: string, hash: string): UnitRecord | undefined {
    const u = this.byName.get(name);
    return u !== undefined && u.hash === hash ? u : undefined;
  }

  /**
   * Makes sure bodies for `wanted` (name -> scheduled hash) are cached,
   * reading the missing ones in one call. A registry body with a different
   * hash than scheduled (replaced since) is kept out: the engine refreshes the
   * entry and the next pass loads the right one.
   * @throws RegistryError when the read fails.
   */
  async ensure(wanted: ReadonlyMap<string, string>): Promise<void> {
    const missing = [...wanted].filter(([name, hash]) => this.get(name, hash) === undefined).map(([name]) => name);
    if (missing.length === 0) return;
    const got = await this.registry.getUnits(missing);
    for (const [name, unit] of got) if (unit.hash === wanted.get(name)) this.byName.set(name, unit);
  }

  /** Forgets bodies of units no longer wanted. */
  retain(names: ReadonlySet<string> | ReadonlyMap<string, unknown>): void {
    for (const name of this.byName.keys()) if (!names.has(name)) this.byName.delete(name);
  }
}

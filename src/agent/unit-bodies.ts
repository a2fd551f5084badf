import type { AgentRegistry } from '../registry/index.js';

/**
 * Unit texts the agent needs, by content hash (the hash its schedule entry
 * names), fetched from the registry only for hashes it has not seen. A body
 * never changes, so an idle agent makes no reads at all, and instances of
 * one template share one cached text.
 */
export class UnitBodies {
  private readonly byHash = new Map<string, string>();

  constructor(private readonly registry: AgentRegistry) {}

  /** The cached text with content hash `hash`; undefined when not fetched (or gone from the registry). */
  get(hash: string): string | undefined {
    return this.byHash.get(hash);
  }

  /**
   * Makes sure the texts for `wanted` (unit name -> scheduled hash) are
   * cached, reading the missing ones in one call. A hash the registry no
   * longer has (replaced and collected since) stays missing: the engine
   * refreshes the entry and the next pass loads the right one.
   * @throws RegistryError when the read fails.
   */
  async ensure(wanted: ReadonlyMap<string, string>): Promise<void> {
    const missing = new Map([...wanted].filter(([, hash]) => !this.byHash.has(hash)));
    if (missing.size === 0) return;
    for (const [hash, text] of await this.registry.getBodies(missing)) this.byHash.set(hash, text);
  }

  /** Forgets texts no wanted unit has. */
  retain(hashes: ReadonlySet<string>): void {
    for (const hash of this.byHash.keys()) if (!hashes.has(hash)) this.byHash.delete(hash);
  }
}

/**
 * Which text each target runs while a rollout is unfinished (pure): the
 * engine's schedule refresh asks {@link RolloutPins.hashFor} for every
 * schedule entry instead of taking the unit record's hash, so old and new
 * texts coexist during a rollout (bodies are content-addressed). A pin
 * holds only while the unit record still carries one of the rollout's texts;
 * a unit replaced by other means (`fleetctl submit --replace`) runs what
 * its record says.
 */
import { wantedHash } from './step.js';
import { FINISHED_PHASES, type RolloutRecord } from './types.js';

/** Pins of all rollouts, indexed once per engine pass. */
export class RolloutPins {
  /** unit -> machine ('' for any machine) -> [pinned hash, the rollout's new hash, the target's previous hash]. */
  private readonly byUnit = new Map<string, Map<string, readonly [string, string, string]>>();

  /** Indexes the unfinished, started rollouts among `rollouts`. */
  constructor(rollouts: Iterable<{ readonly record: RolloutRecord }>) {
    for (const { record: r } of rollouts) {
      if (r.phase === 'pending' || FINISHED_PHASES.has(r.phase)) continue;
      for (const t of r.targets) {
        let m = this.byUnit.get(t.unit);
        if (m === undefined) this.byUnit.set(t.unit, (m = new Map()));
        m.set(r.kind === 'global' ? t.machine : '', [wantedHash(r, t), r.toHash, t.fromHash]);
      }
    }
  }

  /** Whether no rollout pins anything (the common case: one map lookup less per entry). */
  get empty(): boolean {
    return this.byUnit.size === 0;
  }

  /**
   * The hash `unit` should run on `machine`, given its record's hash.
   * @returns the pinned hash, or `recordHash` when no rollout pins it.
   */
  hashFor(unit: string, machine: string, recordHash: string): string {
    if (this.byUnit.size === 0) return recordHash;
    const m = this.byUnit.get(unit);
    const pin = m?.get('') ?? m?.get(machine);
    if (pin === undefined) return recordHash;
    const [hash, toHash, fromHash] = pin;
    return recordHash === toHash || recordHash === fromHash ? hash : recordHash;
  }
}

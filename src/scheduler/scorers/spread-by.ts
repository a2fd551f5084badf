/**
 * `spreadBy: <metadata key>` (Kubernetes' service spreading): instances of
 * one template go to the key's value (e.g. `az`) that holds the fewest of
 * them, so three instances land in three zones when there are three.
 * Machines without the key form one more value. Other units score 100.
 */
import type { Scorer } from './scorer.js';

/** Spreads template instances across the values of metadata `key`. */
export function spreadBy(key: string): Scorer {
  return {
    name: `SpreadBy(${key})`,
    groupsBy: key,
    score(unit, m, view) {
      if (unit.template === undefined) return 100;
      const { perValue, most } = view.instancesByValue(unit.template, key);
      if (most === 0) return 100;
      return (100 * (most - (perValue.get(view.machines[m]!.metadata[key] ?? '') ?? 0))) / most;
    },
  };
}

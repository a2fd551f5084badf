/**
 * `spreadBy: <metadata key>` (Kubernetes' service spreading): instances of
 * one template go to the key's value (e.g. `az`) that holds the fewest of
 * them, so three instances land in three zones when there are three.
 * Machines without the key form one more value. Other units score 100.
 */
import type { MachineIndex } from '../model.js';
import type { Scorer } from './scorer.js';
import type { PlacementView } from '../state.js';

/** Spreads template instances across the values of metadata `key`. */
export function spreadBy(key: string): Scorer {
  // Instances per value, counted once per template and placement state (a scorer sees one pass at a time).
  let cached: { view: PlacementView; tick: number; template: string; perValue: Map<string, number>; most: number } | undefined;
  const counts = (template: string, view: PlacementView) => {
    if (cached !== undefined && cached.view === view && cached.tick === view.tick && cached.template === template) return cached;
    const perValue = new Map<string, number>();
    for (const [at, n] of view.instancesOf(template) as ReadonlyMap<MachineIndex, number>) {
      const v = view.machines[at]!.metadata[key] ?? '';
      perValue.set(v, (perValue.get(v) ?? 0) + n);
    }
    let most = 0;
    for (const n of perValue.values()) most = Math.max(most, n);
    return (cached = { view, tick: view.tick, template, perValue, most });
  };
  return {
    name: `SpreadBy(${key})`,
    groupsBy: key,
    score(unit, m, view) {
      if (unit.template === undefined) return 100;
      const { perValue, most } = counts(unit.template, view);
      if (most === 0) return 100;
      return (100 * (most - (perValue.get(view.machines[m]!.metadata[key] ?? '') ?? 0))) / most;
    },
  };
}

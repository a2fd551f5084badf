import type { MachineIndex } from './model.js';

/**
 * Per-machine counters for one glob relation (Conflicts or Replaces), so a
 * filter asks "does machine m host a unit matching p?" and "does a unit on m
 * declare p?" with one hash lookup each instead of testing globs against
 * every unit on the machine.
 */
export interface PatternCountsView {
  /** How many units on `m` have a name matching declared pattern `p`. */
  hosted(m: MachineIndex, p: string): number;
  /** How many units on `m` declare pattern `p`. */
  declared(m: MachineIndex, p: string): number;
}

/** Mutable {@link PatternCountsView}, updated as units are placed and removed. */
export class PatternCounts implements PatternCountsView {
  private readonly hostedBy: Array<Map<string, number>>;
  private readonly declaredBy: Array<Map<string, number>>;

  constructor(machineCount: number) {
    this.hostedBy = Array.from({ length: machineCount }, () => new Map());
    this.declaredBy = Array.from({ length: machineCount }, () => new Map());
  }

  hosted(m: MachineIndex, p: string): number {
    return this.hostedBy[m]!.get(p) ?? 0;
  }

  declared(m: MachineIndex, p: string): number {
    return this.declaredBy[m]!.get(p) ?? 0;
  }

  /** Records a unit whose name matches `matching` and which declares `declares` arriving on (+1) or leaving (-1) `m`. */
  update(m: MachineIndex, matching: readonly string[], declares: readonly string[], delta: 1 | -1): void {
    bump(this.hostedBy[m]!, matching, delta);
    bump(this.declaredBy[m]!, declares, delta);
  }
}

function bump(counts: Map<string, number>, patterns: readonly string[], delta: 1 | -1): void {
  // Index loops here and in other per-placement paths: a for-of over these (often frozen, shared) arrays is not always optimised and allocates an iterator.
  for (let i = 0; i < patterns.length; i++) {
    const p = patterns[i]!;
    const n = (counts.get(p) ?? 0) + delta;
    if (n === 0) counts.delete(p);
    else counts.set(p, n);
  }
}

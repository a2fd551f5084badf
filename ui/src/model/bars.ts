/**
 * A machine card's capacity bars: per resource, what its units were
 * allocated against what it can allocate (capacity − reserved), with the
 * amounts as operators read them elsewhere (`formatQuantity`). Pure.
 */
import type { ResourcesView } from '../../../src/resources/machine.js';
import { formatQuantity } from '../../../src/resources/quantity.js';
import { cmp } from './cluster.js';

/** One bar. */
export interface ResourceBar {
  readonly name: string;
  /** allocated / allocatable, 0..1 for the drawing (an over-committed machine is drawn full). */
  readonly fill: number;
  /** True when allocated exceeds allocatable. */
  readonly over: boolean;
  /** `1.5 / 4` or `2.0G / 7.5G`. */
  readonly label: string;
}

/**
 * The bars of a machine's `resources`, cpu and memory first, then the rest by name.
 * @returns [] for a machine that reports no resources.
 */
export function resourceBars(r: ResourcesView | undefined): ResourceBar[] {
  if (r === undefined) return [];
  const names = [...new Set([...Object.keys(r.allocatable), ...Object.keys(r.allocated)])].sort((a, b) => rank(a) - rank(b) || cmp(a, b));
  return names.map((name) => {
    const allocated = r.allocated[name] ?? 0;
    const allocatable = r.allocatable[name] ?? 0;
    const ratio = allocatable > 0 ? allocated / allocatable : allocated > 0 ? Infinity : 0;
    return { name, fill: Math.min(1, ratio), over: ratio > 1, label: `${formatQuantity(name, allocated)} / ${formatQuantity(name, allocatable)}` };
  });
}

function rank(name: string): number {
  return name === 'cpu' ? 0 : name === 'memory' ? 1 : 2;
}

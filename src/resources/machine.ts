/**
 * A machine's resources as its agent publishes them in the machine record:
 * what it has, what it keeps for the host, and what the units scheduled to
 * it request. Allocatable (capacity − reserved) is derived, never stored.
 */
import { amountsFrom, subtractAmounts, type ResourceAmounts } from './amounts.js';
import { fromFixedUnits, toFixedUnits } from './quantity.js';

/** `resources` of a machine record. */
export interface MachineResources {
  /** Detected cpu/memory with fleet.conf `resources=` written over it. */
  readonly capacity: ResourceAmounts;
  /** fleet.conf `reserved=`: kept for the host itself. */
  readonly reserved: ResourceAmounts;
  /** Sum of the requests of the units scheduled to the machine (global units included), as its agent last saw them. */
  readonly allocated: ResourceAmounts;
}

/** The four amounts operators see (list-machines, the API's `resources` object). */
export interface ResourcesView extends MachineResources {
  /** capacity − reserved, per resource, never below 0. */
  readonly allocatable: ResourceAmounts;
}

/** capacity − reserved. */
export function allocatableOf(r: Pick<MachineResources, 'capacity' | 'reserved'>): ResourceAmounts {
  return subtractAmounts(r.capacity, r.reserved);
}

/** `r` with its allocatable amounts, members in a fixed order. */
export function resourcesView(r: MachineResources): ResourcesView {
  return { capacity: r.capacity, reserved: r.reserved, allocatable: allocatableOf(r), allocated: r.allocated };
}

/** Sum of `amounts`, exact per resource (see toFixedUnits); names with a 0 total are kept when some request names them. */
export function sumAmounts(amounts: Iterable<ResourceAmounts>): ResourceAmounts {
  const fixed = new Map<string, number>();
  for (const a of amounts) for (const [name, v] of Object.entries(a)) fixed.set(name, (fixed.get(name) ?? 0) + toFixedUnits(name, v));
  const out: Record<string, number> = {};
  for (const name of [...fixed.keys()].sort()) out[name] = fromFixedUnits(name, fixed.get(name)!);
  return out;
}

/** Resources where `allocated` exceeds `allocatable`, sorted; empty when the machine is not over-committed. */
export function overcommitted(r: MachineResources): string[] {
  const free = allocatableOf(r);
  return Object.keys(r.allocated)
    .filter((name) => toFixedUnits(name, r.allocated[name]!) > toFixedUnits(name, free[name] ?? 0))
    .sort();
}

/** A `resources` object read from the wire; undefined when absent or malformed (an older or foreign server). */
export function resourcesViewFrom(v: unknown): ResourcesView | undefined {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return undefined;
  const o = v as Record<string, unknown>;
  const [capacity, reserved, allocated] = [amountsFrom(o['capacity']), amountsFrom(o['reserved']), amountsFrom(o['allocated'])];
  if (!capacity.ok || !reserved.ok || !allocated.ok) return undefined;
  return resourcesView({ capacity: capacity.amounts, reserved: reserved.amounts, allocated: allocated.amounts });
}

/**
 * What an engine pass's plan is a function of, in a form cheap to compare,
 * so a pass whose input equals the previous pass's reuses that pass's plan
 * instead of building a snapshot and planning again: an idle leader passes
 * every `engine_reconcile_interval`, and with 1,000 units each such pass
 * built a snapshot, compared it with the scheduler's previous one and
 * walked every schedule entry for refreshes, only to find nothing to do.
 *
 * `planReconcile(cache, requirements, nowMs, pipeline, shielded)` reads the
 * cache's content (units, desired states, machines and their metadata,
 * schedule, policy, rollouts: all counted by `ClusterCache.version`), the
 * time only through which cordons are still in force, and the shielded
 * units; the pipeline is fixed per engine and `requirements` is a memo of
 * the units' own text. Time-based changes therefore show up here: a cordon
 * whose time is up drops out of `cordoned`, a unit whose preemptions left
 * the flap window drops out of `shielded`; machine TTL expiries, lease
 * changes, rollout steps and preemptions arrive as cache changes.
 */
import type { ClusterCache } from './cluster-cache.js';
import type { Cordon } from './cordon.js';

/** A pass's planning input, as compared by {@link samePassInput}. */
export interface PassInput {
  /** The cache planned from (each leadership has its own). */
  readonly cache: ClusterCache;
  /** Its {@link ClusterCache.version} at the pass. */
  readonly version: number;
  /** The cordons in force at the pass's time (machine id, cordon), in the cache's order; usually none. */
  readonly cordoned: readonly (readonly [string, Cordon])[];
  /** Units the scheduler must not preempt at the pass's time. */
  readonly shielded: ReadonlySet<string>;
}

/** The planning input of a pass at `nowMs` from `cache`, with the preemption log's `shielded` units. Pure. */
export function passInput(cache: ClusterCache, nowMs: number, shielded: ReadonlySet<string>): PassInput {
  const cordoned: (readonly [string, Cordon])[] = [];
  for (const [id, cordon] of cache.cordons) if (cordon.untilMs > nowMs) cordoned.push([id, cordon]);
  return { cache, version: cache.version, cordoned, shielded };
}

/**
 * Whether `next` plans exactly as `previous` did (same cache at the same
 * version, the same cordons in force, the same shielded units): its plan can
 * be reused. False when there is no previous pass. Pure.
 */
export function samePassInput(previous: PassInput | undefined, next: PassInput): boolean {
  if (previous === undefined || previous.cache !== next.cache || previous.version !== next.version) return false;
  if (previous.cordoned.length !== next.cordoned.length || previous.shielded.size !== next.shielded.size) return false;
  for (let i = 0; i < next.cordoned.length; i++) {
    const [id, cordon] = next.cordoned[i]!;
    if (previous.cordoned[i]![0] !== id || previous.cordoned[i]![1] !== cordon) return false;
  }
  for (const name of next.shielded) if (!previous.shielded.has(name)) return false;
  return true;
}

/**
 * What the operator wants a unit to be (`desired/<name>`), and what a unit
 * currently is as fleet reports it (`currentState`): the same three words,
 * in fleet's order. A schedule entry's `targetState` is this type too (the
 * field keeps its stored JSON name so existing registries read unchanged).
 */
export type DesiredState = 'inactive' | 'loaded' | 'launched';

/** All desired states, in fleet's order (least to most advanced). */
export const DESIRED_STATES: readonly DesiredState[] = Object.freeze(['inactive', 'loaded', 'launched']);

/** True when `s` is a {@link DesiredState}. Never throws. */
export function isDesiredState(s: unknown): s is DesiredState {
  return s === 'inactive' || s === 'loaded' || s === 'launched';
}

/** Position in fleet's order: inactive 0, loaded 1, launched 2. */
export function desiredStateRank(s: DesiredState): number {
  return s === 'inactive' ? 0 : s === 'loaded' ? 1 : 2;
}

/** The less advanced of two states (e.g. a global unit's state over its machines). */
export function leastAdvanced(a: DesiredState, b: DesiredState): DesiredState {
  return desiredStateRank(b) < desiredStateRank(a) ? b : a;
}

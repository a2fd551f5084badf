/**
 * The agent's hold after a registry reset, decided here (pure); the agent
 * keeps the state and the timer.
 *
 * When etcd is wiped (or replaced by an empty one) the registry no longer
 * schedules anything here, exactly as if every unit had been destroyed. An
 * agent tells the two apart by the registry's epoch (`epoch`, a random id
 * created once per registry): it saw one, and now there is another. Then it
 * holds: the units it runs when it notices stay as they are (nothing is
 * stopped or unloaded) for the grace period (`registry_reset_hold`), while
 * the operator restores the units (`fleetctl import`). A held unit that the
 * registry schedules here again leaves the hold (nothing restarts: same
 * body, same process); units still held when the period ends are stopped,
 * as a destroy would have stopped them. A grace of 0 turns the hold off.
 */

/** A hold in force. */
export interface ResetHold {
  /** When it ends, ms (the agent's clock). */
  readonly untilMs: number;
  /** Units kept although the registry does not schedule them here. Never empty. */
  readonly units: ReadonlySet<string>;
}

/**
 * Whether the registry was reset between two reads of its epoch: the agent
 * knew `known` and now reads `current`. Never when it knew none (its first
 * read, or a registry written before epochs existed).
 */
export function registryWasReset(known: string | undefined, current: string): boolean {
  return known !== undefined && known !== current;
}

/**
 * The hold that starts when a reset is noticed at `nowMs`: every unit on
 * this machine (`present`), for `graceMs`.
 * @returns undefined when the grace is 0 (holding is off) or nothing is present.
 */
export function startHold(present: Iterable<string>, nowMs: number, graceMs: number): ResetHold | undefined {
  if (graceMs <= 0) return undefined;
  const units = new Set(present);
  return units.size === 0 ? undefined : { untilMs: nowMs + graceMs, units };
}

/**
 * The hold after the schedule or the machine changed: units now scheduled
 * here (`scheduled`) or no longer on this machine (`present`) leave it for
 * good, so a later destroy or move of them acts at once.
 * @returns the same object when nothing changed; undefined when the hold is
 *   over (expired at `nowMs`, or holds nothing any more).
 */
export function settleHold(hold: ResetHold | undefined, scheduled: ReadonlySet<string>, present: ReadonlySet<string>, nowMs: number): ResetHold | undefined {
  if (hold === undefined || nowMs >= hold.untilMs) return undefined;
  const units = new Set([...hold.units].filter((n) => !scheduled.has(n) && present.has(n)));
  if (units.size === 0) return undefined;
  return units.size === hold.units.size ? hold : { untilMs: hold.untilMs, units };
}

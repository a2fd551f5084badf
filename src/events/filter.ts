/**
 * Which events a reader wants (`?type=&unit=&machine=` of the stream,
 * `fleetctl events --type --unit --machine`): parsed and validated once,
 * then matched per event (pure).
 */
import { globMatch, isValidGlob } from '../units/glob.js';
import { EVENT_TYPES, type FleetEvent } from './types.js';

/** A parsed filter; an absent field matches every event. */
export interface EventFilter {
  /** Type patterns (globs such as `unit.*`); an event matches when its type matches any. */
  readonly types?: readonly string[];
  /** Unit-name glob; events without a unit never match it. */
  readonly unit?: string;
  /** Machine id; events without a machine never match it. */
  readonly machine?: string;
}

/** A filter value that cannot be used; the message names the parameter and the value. */
export class EventFilterError extends Error {
  constructor(
    readonly parameter: 'type' | 'unit' | 'machine',
    readonly value: string,
    reason: string,
  ) {
    super(`invalid ${parameter} ${JSON.stringify(value)}: ${reason}`);
    this.name = 'EventFilterError';
  }
}

/**
 * Builds a filter from its user-facing form: `types` as given (each entry
 * may hold several patterns separated by commas), `unit` a glob, `machine` an id.
 * @throws {EventFilterError} for a malformed glob or a type pattern that matches no event type.
 */
export function parseEventFilter(input: { readonly types?: readonly string[]; readonly unit?: string; readonly machine?: string }): EventFilter {
  const types = (input.types ?? []).flatMap((t) => t.split(',')).map((t) => t.trim()).filter((t) => t !== '');
  for (const t of types) {
    if (!isValidGlob(t)) throw new EventFilterError('type', t, 'not a valid pattern');
    if (!EVENT_TYPES.some((known) => globMatch(t, known))) throw new EventFilterError('type', t, `matches no event type (known: ${EVENT_TYPES.join(', ')})`);
  }
  if (input.unit !== undefined && (input.unit === '' || !isValidGlob(input.unit))) throw new EventFilterError('unit', input.unit, 'not a valid glob');
  if (input.machine !== undefined && input.machine === '') throw new EventFilterError('machine', input.machine, 'empty');
  return {
    ...(types.length > 0 ? { types } : {}),
    ...(input.unit !== undefined ? { unit: input.unit } : {}),
    ...(input.machine !== undefined ? { machine: input.machine } : {}),
  };
}

/** True when `event` passes every part of `filter`. */
export function matchesFilter(filter: EventFilter, event: FleetEvent): boolean {
  if (filter.types !== undefined && !filter.types.some((t) => globMatch(t, event.type))) return false;
  if (filter.unit !== undefined && (event.unit === undefined || !globMatch(filter.unit, event.unit))) return false;
  if (filter.machine !== undefined && event.machine !== filter.machine) return false;
  return true;
}

/** One request per unit across many units: bounded, every unit tried, outcomes reported in order. */
import { pooledInOrder } from '../../src/pool.js';
import { errorMessage } from '../client/errors.js';
import { REQUEST_CONCURRENCY } from './find.js';

/**
 * Runs `write` for every item, {@link REQUEST_CONCURRENCY} at a time. A
 * failure never stops the others. `report` sees each outcome in item order
 * (error undefined on success) as soon as it and every earlier one are known.
 * @returns the items whose write succeeded, in order.
 */
export async function forEachUnit<T>(items: readonly T[], write: (item: T) => Promise<void>, report: (item: T, error: unknown) => void): Promise<T[]> {
  const outcomes = await pooledInOrder(
    items,
    REQUEST_CONCURRENCY,
    async (item) => {
      try {
        await write(item);
        return { ok: true, error: undefined as unknown };
      } catch (error) {
        return { ok: false, error };
      }
    },
    (outcome, item) => report(item, outcome.error),
  );
  return items.filter((_, i) => outcomes[i]!.ok);
}

/** An error's message naming its unit: as is when it already does, else prefixed with `name: `. */
export function unitErrorText(name: string, err: unknown): string {
  const message = errorMessage(err);
  return message.includes(name) ? message : `${name}: ${message}`;
}

/** One write per unit across many units: batched, every unit tried, outcomes reported in order. */
import { errorMessage } from '../client/errors.js';
import type { FleetClient, UnitWriteRequest } from '../client/types.js';

/**
 * Makes the write `request(item)` for every item through
 * `client.writeUnits` (few batch requests; one request per unit against a
 * server without batches). A failure never stops the others. `report` sees
 * each outcome in item order (error undefined on success, and for an error
 * `ignore` accepts) as soon as it and every earlier one are known.
 * @returns the items whose write succeeded (or failed in a way `ignore` accepts), in order.
 */
export async function forEachUnit<T>(
  client: FleetClient,
  items: readonly T[],
  request: (item: T) => UnitWriteRequest,
  report: (item: T, error: unknown) => void,
  ignore: (error: unknown) => boolean = () => false,
): Promise<T[]> {
  if (items.length === 0) return [];
  const ok = new Array<boolean>(items.length).fill(false);
  await client.writeUnits(
    items.map(request),
    (error, i) => {
      const accepted = error === undefined || ignore(error);
      ok[i] = accepted;
      report(items[i]!, accepted ? undefined : error);
    },
  );
  return items.filter((_, i) => ok[i]);
}

/** An error's message naming its unit: as is when it already does, else prefixed with `name: `. */
export function unitErrorText(name: string, err: unknown): string {
  const message = errorMessage(err);
  return message.includes(name) ? message : `${name}: ${message}`;
}

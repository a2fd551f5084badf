/**
 * Bounded concurrency: the one helper for "do this for every item, at most
 * N at a time" (agent tasks, unit files, fleetctl's bulk commands).
 */

/**
 * Runs `fn` over `items` with at most `limit` calls in flight, starting them
 * in item order.
 * @returns `fn`'s results in item order.
 * @throws the first error `fn` throws (calls already started still run to
 *   completion in the background; callers that want every outcome catch
 *   inside `fn`).
 */
export async function pooled<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, async () => {
      for (let i = next++; i < items.length; i = next++) results[i] = await fn(items[i]!, i);
    }),
  );
  return results;
}

/**
 * Like {@link pooled} for calls that never throw, and also hands each result
 * to `onResult` in item order as soon as it and every earlier one are done
 * (so output streams in argument order while later items still run).
 */
export async function pooledInOrder<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>, onResult: (result: R, item: T, index: number) => void): Promise<R[]> {
  const done = new Array<boolean>(items.length).fill(false);
  const results = new Array<R>(items.length);
  let flushed = 0;
  return pooled(items, limit, async (item, i) => {
    results[i] = await fn(item, i);
    done[i] = true;
    while (flushed < items.length && done[flushed]) {
      onResult(results[flushed]!, items[flushed]!, flushed);
      flushed++;
    }
    return results[i]!;
  });
}

import type { DriverEvent, SystemdDriver } from './driver.js';

/**
 * The driver's events as an async iterator, for `for await` consumers.
 * Events are buffered (unbounded) between reads; iteration ends when
 * `signal` aborts or the consumer breaks out, either of which unsubscribes.
 */
export function driverEvents(driver: Pick<SystemdDriver, 'subscribe'>, signal?: AbortSignal): AsyncIterableIterator<DriverEvent> {
  const queue: DriverEvent[] = [];
  let wake: (() => void) | undefined;
  let done = signal?.aborted ?? false;
  const unsubscribe = driver.subscribe((e) => {
    queue.push(e);
    wake?.();
  });
  const finish = (): void => {
    done = true;
    unsubscribe();
    wake?.();
  };
  signal?.addEventListener('abort', finish, { once: true });
  if (done) unsubscribe();

  const iterator: AsyncIterableIterator<DriverEvent> = {
    async next(): Promise<IteratorResult<DriverEvent>> {
      for (;;) {
        const e = queue.shift();
        if (e) return { value: e, done: false };
        if (done) return { value: undefined, done: true };
        await new Promise<void>((r) => (wake = r));
        wake = undefined;
      }
    },
    async return(): Promise<IteratorResult<DriverEvent>> {
      finish();
      signal?.removeEventListener('abort', finish);
      return { value: undefined, done: true };
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };
  return iterator;
}

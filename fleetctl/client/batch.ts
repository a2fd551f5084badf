/**
 * Bulk writes over the API (`POST /fleet/v1/units`): items go out in
 * batches (bounded in count and bytes, a few in flight), every item gets its
 * own outcome, items the server answered 503 for are sent again with
 * backoff within the request budget (renewed whenever a send got some
 * items done), and a server without the batch
 * resource (fleet, an older fleetd: 405) gets one request per unit instead.
 */
import { pooled } from '../../src/pool.js';
import { ApiError, TransportError } from './errors.js';
import { retryDelayMs, withRetry, type RetryPolicy } from './retry.js';
import type { UnitWriteRequest } from './types.js';

/** Items per batch request (the server takes up to 1,000). */
export const BATCH_MAX_ITEMS = 250;
/** Rough JSON bytes per batch request (the server's body limit is 1 MiB). */
export const BATCH_MAX_BYTES = 256 * 1024;
/** Batch requests in flight at once. */
export const BATCHES_IN_FLIGHT = 2;
/**
 * How many times a batch whose request got no answer within
 * --request-timeout is sent again, each time with the whole timeout: a
 * server slowed by a burst (etcd writes taking seconds) usually did the work
 * and answers the repeat at once, while one that answers nothing at all
 * still fails the command after (1 + this) timeouts.
 */
export const TIMED_OUT_RESENDS = 2;

/** How to reach the server: one batch, or one item on its own. */
export interface BatchTransport {
  /**
   * Sends one batch; resolves with each item's outcome in order (undefined =
   * done, else the error). Rejects with `BatchUnsupportedError` when the
   * server has no batch resource, or with the request's error.
   */
  send(items: readonly UnitWriteRequest[]): Promise<unknown[]>;
  /** The item's own request (putUnit / setDesiredState / destroyUnit). */
  single(item: UnitWriteRequest): Promise<void>;
  readonly retry: RetryPolicy;
  /** Requests in flight when falling back to one per unit. */
  readonly concurrency: number;
}

/** The server does not serve batches (fleet, an older fleetd). */
export class BatchUnsupportedError extends Error {}

/** Splits `items` (by index) into batches within {@link BATCH_MAX_ITEMS} and {@link BATCH_MAX_BYTES}. Pure. */
export function splitBatches(items: readonly UnitWriteRequest[]): number[][] {
  const out: number[][] = [];
  let current: number[] = [];
  let bytes = 0;
  items.forEach((item, i) => {
    const size = JSON.stringify(item).length + 16;
    if (current.length > 0 && (current.length >= BATCH_MAX_ITEMS || bytes + size > BATCH_MAX_BYTES)) {
      out.push(current);
      current = [];
      bytes = 0;
    }
    current.push(i);
    bytes += size;
  });
  if (current.length > 0) out.push(current);
  return out;
}

/** Reports outcomes in item order as soon as each and every earlier one are known. */
class InOrder {
  private flushed = 0;
  private readonly known: boolean[];
  constructor(
    private readonly outcomes: unknown[],
    private readonly onResult: ((error: unknown, index: number) => void) | undefined,
  ) {
    this.known = new Array<boolean>(outcomes.length).fill(false);
  }
  set(i: number, error: unknown): void {
    this.outcomes[i] = error;
    this.known[i] = true;
    while (this.flushed < this.known.length && this.known[this.flushed]) {
      const i = this.flushed++;
      this.onResult?.(this.outcomes[i], i);
    }
  }
}

/**
 * Whether `error` answers a destroy whose unit is gone: done, when an
 * earlier send of the same item may have destroyed it.
 */
function goneAlready(item: UnitWriteRequest, error: unknown): boolean {
  return item.kind === 'destroy' && error instanceof ApiError && error.status === 404;
}

/**
 * Writes `items` through `transport`, in batches, falling back to one
 * request per item when the server has no batch resource.
 * @returns each item's outcome, in order. Never rejects for an item's failure.
 */
export async function writeInBatches(transport: BatchTransport, items: readonly UnitWriteRequest[], onResult?: (error: unknown, index: number) => void): Promise<unknown[]> {
  const outcomes = new Array<unknown>(items.length).fill(undefined);
  const order = new InOrder(outcomes, onResult);
  let unsupported = false;
  const singles = (indexes: readonly number[]): Promise<unknown> =>
    pooled(indexes, transport.concurrency, async (i) => {
      try {
        await transport.single(items[i]!);
        order.set(i, undefined);
      } catch (err) {
        order.set(i, err);
      }
    });
  await pooled(splitBatches(items), BATCHES_IN_FLIGHT, async (batch) => {
    if (unsupported) return singles(batch);
    let pending = batch;
    // Items of a send whose outcome is unknown (no answer in time, a dropped
    // connection): the server may have done them already.
    const maybeDone = new Set<number>();
    const send = (indexes: readonly number[]): Promise<unknown[]> =>
      transport.send(indexes.map((i) => items[i]!)).catch((err: unknown) => {
        if (err instanceof TransportError && (err.timedOut || err.retryable)) for (const i of indexes) maybeDone.add(i);
        throw err;
      });
    try {
      for (let timeouts = 0; ; ) {
        try {
          // A send that got some items done (a busy server answers what it did
          // not get to before its deadline with 503) starts a fresh budget for
          // the rest: a slow server that keeps making progress is not given up
          // on, one that makes none is, after the budget.
          for (let progressed = true; progressed; ) {
            progressed = false;
            await withRetry(transport.retry, async () => {
              const results = await send(pending);
              const again: number[] = [];
              let transient: ApiError | undefined;
              pending.forEach((i, k) => {
                const error = results[k];
                if (error instanceof ApiError && error.retryable) {
                  again.push(i);
                  transient = error;
                } else order.set(i, maybeDone.has(i) && goneAlready(items[i]!, error) ? undefined : error);
              });
              progressed = again.length > 0 && again.length < pending.length;
              pending = again;
              // Only the items the server could not do yet go out again, after the retry policy's pause.
              if (transient !== undefined && !progressed) throw transient;
            });
            if (progressed) await transport.retry.sleep(retryDelayMs(0, (transport.retry.random ?? Math.random)()));
          }
          break;
        } catch (err) {
          if (!(err instanceof TransportError && err.timedOut) || timeouts++ >= TIMED_OUT_RESENDS) {
            if (err instanceof TransportError && err.timedOut && timeouts > 1) err.message = `${err.message} (no answer to ${timeouts} sends of this batch)`;
            throw err;
          }
        }
      }
    } catch (err) {
      if (err instanceof BatchUnsupportedError) {
        unsupported = true;
        return singles(pending);
      }
      for (const i of pending) order.set(i, err);
    }
    return undefined;
  });
  return outcomes;
}

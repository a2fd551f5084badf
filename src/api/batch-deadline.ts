/**
 * How long a unit batch (`POST /units`) may keep starting work. A client
 * says how long it waits for the answer (`X-Fleet-Request-Timeout-Ms`,
 * which fleetctl sends with its `--request-timeout`); the server stops
 * starting writes after half of that, so that the chunk in flight and the
 * answer still arrive in time, and answers the items it did not start with
 * 503 (the client sends those again). On a starved host a batch thus comes
 * back partly done instead of timing out with nothing known.
 */
import { ApiError } from './errors.js';
import { REQUEST_TIMEOUT_HEADER } from './schema.js';

/** The budget when the client sends no header: half of fleetctl's default 3 s request timeout. */
export const DEFAULT_BATCH_BUDGET_MS = 1500;

/** Largest timeout a client may announce (one hour). */
const MAX_CLIENT_TIMEOUT_MS = 3_600_000;

/** A batch's budget and where it came from (for the log line and the 503 message). */
export interface BatchBudget {
  readonly ms: number;
  /** The client's announced timeout, ms; undefined when it sent none (the default applies). */
  readonly clientTimeoutMs?: number;
}

/**
 * The budget of one batch request from its header value: half the client's
 * timeout (at least 1 ms), or {@link DEFAULT_BATCH_BUDGET_MS} without one.
 * Pure.
 * @throws {ApiError} 400 naming the header and value when it is not a whole number of milliseconds from 1 to 3,600,000.
 */
export function batchBudget(header: string | readonly string[] | undefined): BatchBudget {
  if (header === undefined) return { ms: DEFAULT_BATCH_BUDGET_MS };
  const text = typeof header === 'string' ? header : header.join(',');
  const value = /^\d{1,7}$/.test(text.trim()) ? Number(text.trim()) : NaN;
  if (!(value >= 1 && value <= MAX_CLIENT_TIMEOUT_MS)) {
    throw new ApiError(400, `invalid ${REQUEST_TIMEOUT_HEADER} ${JSON.stringify(text)}: expected a whole number of milliseconds from 1 to ${MAX_CLIENT_TIMEOUT_MS}`);
  }
  return { ms: Math.max(1, Math.floor(value / 2)), clientTimeoutMs: value };
}

/** Why the items not started were not: the reason a batch's deadline signal aborts with. */
export function deadlineReason(budget: BatchBudget): Error {
  const source = budget.clientTimeoutMs === undefined ? `the default without ${REQUEST_TIMEOUT_HEADER}` : `half the client's ${budget.clientTimeoutMs} ms`;
  return new Error(`the batch's deadline of ${budget.ms} ms (${source}) passed first; send it again`);
}

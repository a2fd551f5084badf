/**
 * `POST /fleet/v1/units`: many unit PUTs and DELETEs in one request, for
 * bulk commands (`fleetctl start` of 1,000 files). Each item is decided
 * exactly as its own `PUT /units/<name>` or `DELETE /units/<name>` would be
 * (same policy, same statuses and messages), but the server reads the
 * stored units once and writes them in few etcd transactions
 * (`runUnitBatch`). Items are answered in order, each with its own status;
 * one item's failure never stops the others. An addition to fleet's API:
 * fleet answers this method with 405, and fleetctl then falls back to one
 * request per unit.
 */
import { unitNameProblem, type UnitOption } from '../units/index.js';
import { runUnitBatch, type UnitBatchItem, type UnitBatchOutcome } from '../registry/unit-put.js';
import { NotStartedError } from '../registry/errors.js';
import { deadlineSignal } from '../clock.js';
import { batchBudget, deadlineReason, type BatchBudget } from './batch-deadline.js';
import { REQUEST_TIMEOUT_HEADER } from './schema.js';
import type { ApiContext } from './context.js';
import { ApiError, toApiError } from './errors.js';
import { json, type Reply } from './reply.js';
import { readJson, requireJsonContentType, type ApiRequest } from './request.js';
import { checkPutRequest, decodePutBody } from './unit-put.js';

/** Most items one batch may carry (fleetctl sends at most this many). */
export const MAX_BATCH_ITEMS = 1000;

/** One item's answer on the wire: the status its own request would have had, and fleet's error entity when it failed. */
export interface BatchResult {
  readonly name: string;
  readonly status: number;
  readonly error?: { readonly code: number; readonly message: string };
}

/** A decoded item: what to run, or the 400 its own request would have answered. */
type Decoded = { readonly item: UnitBatchItem } | { readonly name: string; readonly error: ApiError };

/**
 * Decodes the batch document `{"requests":[{"method":"PUT","name":N,"unit":{...}} | {"method":"DELETE","name":N}]}`.
 * An item that is not an object, has no string name, or an unknown method
 * makes the whole request 400 (nothing is written); a PUT whose unit fails
 * the checks that need no store is that item's 400.
 * @throws {ApiError} 400 naming the problem (item index, field).
 */
export function decodeBatch(value: unknown): Decoded[] {
  const bad = (what: string) => new ApiError(400, `unable to decode body: ${what}`);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw bad('expected a JSON object');
  const requests = (value as Record<string, unknown>)['requests'];
  if (!Array.isArray(requests)) throw bad('field "requests" must be an array');
  if (requests.length > MAX_BATCH_ITEMS) throw bad(`at most ${MAX_BATCH_ITEMS} requests per batch, got ${requests.length}`);
  return requests.map((r: unknown, i): Decoded => {
    if (typeof r !== 'object' || r === null || Array.isArray(r)) throw bad(`requests[${i}] must be an object`);
    const o = r as Record<string, unknown>;
    const name = o['name'];
    if (typeof name !== 'string' || name === '') throw bad(`requests[${i}].name must be a non-empty string`);
    switch (o['method']) {
      case 'DELETE':
        return unitNameProblem(name) === undefined ? { item: { kind: 'destroy', name } } : { name, error: new ApiError(404, 'unit does not exist') };
      case 'PUT': {
        let body;
        try {
          body = decodePutBody(o['unit'] ?? {});
        } catch (err) {
          if (err instanceof ApiError) throw bad(`requests[${i}].unit: ${err.message.replace(/^unable to decode body: /, '')}`);
          throw err;
        }
        try {
          checkPutRequest(name, body);
        } catch (err) {
          return { name, error: toApiError(err).error };
        }
        const options: readonly UnitOption[] = body.options;
        return { item: { kind: 'put', name, request: { options, ...(body.desiredState === undefined ? {} : { desiredState: body.desiredState }), ...(body.applySet === undefined ? {} : { applySet: body.applySet }) } } };
      }
      default:
        throw bad(`requests[${i}].method must be "PUT" or "DELETE"`);
    }
  });
}

/** The status a successful item answers with, as its own request would. */
function successStatus(item: UnitBatchItem, outcome: Extract<UnitBatchOutcome, { ok: true }>): number {
  return item.kind === 'destroy' || outcome.plan?.kind === 'setDesired' ? 204 : 201;
}

/**
 * `POST /units`. Throws ApiError for an undecodable batch (or a bad
 * `X-Fleet-Request-Timeout-Ms`); every item's own problem is in its result.
 * No write starts after the batch's deadline (`batch-deadline.ts`) or once
 * the client went away; the items not started answer 503.
 */
export async function postUnitBatch(req: ApiRequest, ctx: ApiContext): Promise<Reply> {
  const budget = batchBudget(req.raw.headers[REQUEST_TIMEOUT_HEADER.toLowerCase()]);
  const deadline = deadlineSignal(ctx.clock, budget.ms, deadlineReason(budget));
  let outcomes: UnitBatchOutcome[];
  let decoded: Decoded[];
  try {
    requireJsonContentType(req.raw);
    decoded = decodeBatch(await readJson(req.raw, ctx.maxBodyBytes));
    const runnable = decoded.flatMap((d) => ('item' in d ? [d.item] : []));
    outcomes = await runUnitBatch(ctx.registry, runnable, AbortSignal.any([deadline.signal, req.signal]));
  } finally {
    deadline.dispose();
  }
  logNotStarted(ctx, decoded, outcomes, budget);
  let k = 0;
  const results = decoded.map((d): BatchResult => {
    if (!('item' in d)) return { name: d.name, status: d.error.status, error: { code: d.error.status, message: d.error.message } };
    const outcome = outcomes[k++]!;
    if (outcome.ok) {
      logOutcome(ctx, d.item, outcome);
      return { name: d.item.name, status: successStatus(d.item, outcome) };
    }
    const { error, internal } = toApiError(outcome.error);
    if (internal) ctx.logger.error({ err: outcome.error, unit: d.item.name }, 'batch item failed');
    else if (error.status >= 500 && !(outcome.error instanceof NotStartedError)) ctx.logger.warn({ unit: d.item.name, status: error.status, cause: error.message }, 'batch item answered with a server error');
    return { name: d.item.name, status: error.status, error: { code: error.status, message: error.message } };
  });
  return json(200, { results });
}

/** One line for all the items a batch did not start (they answer 503), with the cause. */
function logNotStarted(ctx: ApiContext, decoded: readonly Decoded[], outcomes: readonly UnitBatchOutcome[], budget: BatchBudget): void {
  const names = decoded.flatMap((d) => ('item' in d ? [d.item.name] : []));
  const notStarted = outcomes.flatMap((o, i) => (!o.ok && o.error instanceof NotStartedError ? [{ unit: names[i]!, cause: o.error.reason }] : []));
  if (notStarted.length === 0) return;
  ctx.logger.warn(
    { status: 503, notStarted: notStarted.length, items: decoded.length, budgetMs: budget.ms, firstUnit: notStarted[0]!.unit, cause: notStarted[0]!.cause },
    'unit batch: items not started answered 503',
  );
}

function logOutcome(ctx: ApiContext, item: UnitBatchItem, outcome: Extract<UnitBatchOutcome, { ok: true }>): void {
  const plan = outcome.plan;
  if (item.kind === 'destroy') ctx.logger.info({ unit: item.name }, 'unit destroyed');
  else if (plan?.kind === 'create') ctx.logger.info({ unit: item.name, desired: plan.desired, hash: plan.unit.hash, template: plan.fromTemplate }, 'unit created');
  else if (plan?.kind === 'replace') ctx.logger.info({ unit: item.name, desired: plan.desired, hash: plan.unit.hash }, 'unit replaced');
  else if (plan?.kind === 'setDesired') ctx.logger.debug({ unit: item.name, desired: plan.desired }, 'desired state set');
}

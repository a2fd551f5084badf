/** `/units` and `/units/<name>`: list, get, create/update (PUT), delete (methods routed by `routes.ts`). */
import { unitNameProblem } from '../units/index.js';
import { executeUnitPut, readUnitPutInputs } from '../registry/unit-put.js';
import type { ApiContext } from './context.js';
import { ApiError } from './errors.js';
import { paginate, requestedPage } from './pagination.js';
import { empty, json, type Reply } from './reply.js';
import { firstQuery, readJson, requireJsonContentType, type ApiRequest } from './request.js';
import type { ApiUnit, ApiUnitPage } from './schema.js';
import type { ScheduleEntry, UnitStateRecord, UnitWithDesired } from '../registry/index.js';
import { checkPutRequest, decodePutBody, planUnitPut } from './unit-put.js';
import { indexRuntime, toApiUnit } from './unit-view.js';

/**
 * `GET /units`: one page of units sorted by name; with `options=false` (ours)
 * each without its options and marked `global` when it is one (the
 * dashboard's first view needs where units run, not their files).
 * Throws ApiError / registry errors.
 */
export async function listUnits(req: ApiRequest, ctx: ApiContext): Promise<Reply> {
  const token = requestedPage(req.query, ctx.tokenLimit);
  const withOptions = optionsWanted(req.query);
  const [units, schedule, states] = await Promise.all([ctx.units.units(), ctx.schedule.all(), ctx.units.states()]);
  const page = paginate(apiUnits(ctx, units, schedule, states, withOptions), token);
  const body: ApiUnitPage = {};
  if (page.items.length > 0) body.units = page.items;
  if (page.nextPageToken !== undefined) body.nextPageToken = page.nextPageToken;
  return json(200, body);
}

/** `options=false|true` (default true). Throws ApiError 400 for another value. */
function optionsWanted(query: URLSearchParams): boolean {
  const v = firstQuery(query, 'options');
  if (v === undefined || v === 'true') return true;
  if (v === 'false') return false;
  throw new ApiError(400, `invalid options ${JSON.stringify(v)}: expected true or false`);
}

/** The last listing built per API and form, reused while its inputs are the same arrays (the views keep theirs until something changes). */
const lastListing = new WeakMap<ApiContext, Map<boolean, { readonly inputs: readonly unknown[]; readonly units: ApiUnit[] }>>();

/** Every unit on the wire; the previous answer when units, schedule and states are unchanged. */
function apiUnits(ctx: ApiContext, units: readonly UnitWithDesired[], schedule: readonly ScheduleEntry[], states: readonly UnitStateRecord[], withOptions: boolean): ApiUnit[] {
  let forms = lastListing.get(ctx);
  if (forms === undefined) lastListing.set(ctx, (forms = new Map()));
  const last = forms.get(withOptions);
  if (last !== undefined && last.inputs[0] === units && last.inputs[1] === schedule && last.inputs[2] === states) return last.units;
  const runtime = indexRuntime(schedule, states);
  const out = units.map((u) => toApiUnit(u, runtime, withOptions));
  forms.set(withOptions, { inputs: [units, schedule, states], units: out });
  return out;
}

/** `GET /units/<name>`. Throws ApiError / registry errors. */
export async function getUnit(ctx: ApiContext, name: string): Promise<Reply> {
  // A name that breaks the rules cannot have been stored: not found, without asking etcd.
  if (unitNameProblem(name) !== undefined) throw new ApiError(404, 'unit does not exist');
  // Only this unit's keys (the schedule comes from the watch-fed view).
  const [unit, entries, states] = await Promise.all([ctx.registry.getUnit(name), ctx.schedule.entriesOf(name), ctx.registry.listStates({ names: [name] })]);
  if (unit === undefined) throw new ApiError(404, 'unit does not exist');
  return json(200, toApiUnit(unit, indexRuntime(entries, states)));
}

/** `PUT /units/<name>`: create, replace or set the desired state, by the shared unit PUT policy. Throws ApiError / registry / unit errors. */
export async function putUnit(req: ApiRequest, ctx: ApiContext, name: string): Promise<Reply> {
  requireJsonContentType(req.raw);
  const body = decodePutBody(await readJson(req.raw, ctx.maxBodyBytes));
  // Validate what needs no registry first, so a bad request is answered even while etcd is down.
  checkPutRequest(name, body);
  const { existing, template } = await readUnitPutInputs(ctx.registry, name, body);
  const action = planUnitPut(name, body, existing, template);
  await executeUnitPut(ctx.registry, name, action);
  switch (action.kind) {
    case 'create':
      ctx.logger.info({ unit: name, desired: action.desired, hash: action.unit.hash, template: action.fromTemplate }, 'unit created');
      return empty(201);
    case 'replace':
      ctx.logger.info({ unit: name, desired: action.desired, hash: action.unit.hash }, 'unit replaced');
      return empty(201);
    case 'setDesired':
      ctx.logger.debug({ unit: name, desired: action.desired }, 'desired state set');
      return empty(204);
  }
}

/** `DELETE /units/<name>`. Throws ApiError / registry errors. */
export async function deleteUnit(ctx: ApiContext, name: string): Promise<Reply> {
  if (unitNameProblem(name) !== undefined) throw new ApiError(404, 'unit does not exist');
  await ctx.registry.destroyUnit(name);
  ctx.logger.info({ unit: name }, 'unit destroyed');
  return empty(204);
}

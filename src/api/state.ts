/** `/state` and `/state/<name>`: unit states as the agents reported them. */
import type { UnitStateRecord } from '../registry/index.js';
import { unitNameProblem } from '../units/index.js';
import type { ApiContext } from './context.js';
import { ApiError } from './errors.js';
import { paginate, requestedPage } from './pagination.js';
import { json, type Reply } from './reply.js';
import { firstQuery, type ApiRequest } from './request.js';
import type { ApiUnitState, ApiUnitStatePage } from './schema.js';

/** `GET /state[?machineID=M][&unitName=U]`: states sorted by (name, machine id), filtered, paginated. */
export async function listStates(req: ApiRequest, ctx: ApiContext): Promise<Reply> {
  const token = requestedPage(req.query, ctx.tokenLimit);
  const machineId = firstQuery(req.query, 'machineID');
  const unitName = firstQuery(req.query, 'unitName');
  // No state can be stored under a name that breaks the rules.
  if (unitName !== undefined && unitNameProblem(unitName) !== undefined) return json(200, {});
  const states = await ctx.units.states({
    ...(unitName !== undefined ? { names: [unitName] } : {}),
    ...(machineId !== undefined ? { machineIds: [machineId] } : {}),
  });
  const page = paginate(states, token);
  const body: ApiUnitStatePage = {};
  if (page.items.length > 0) body.states = page.items.map(toApiUnitState);
  if (page.nextPageToken !== undefined) body.nextPageToken = page.nextPageToken;
  return json(200, body);
}

/**
 * `GET /state/<name>` (undocumented in fleet): the unit's state from the
 * first machine by id; 404 `unit state does not exist` when none was
 * reported (fleet crashed the handler there).
 */
export async function getState(_req: ApiRequest, ctx: ApiContext, name: string): Promise<Reply> {
  if (unitNameProblem(name) !== undefined) throw new ApiError(404, 'unit state does not exist');
  const [first] = await ctx.registry.listStates({ names: [name] });
  if (first === undefined) throw new ApiError(404, 'unit state does not exist');
  return json(200, toApiUnitState(first));
}

/** A state report as fleet's API shows it. */
export function toApiUnitState(s: UnitStateRecord): ApiUnitState {
  // Go's encoding/json order, as fleet sent it.
  const out = {} as ApiUnitState;
  if (s.hash !== '') out.hash = s.hash;
  if (s.machineId !== '') out.machineID = s.machineId;
  out.name = s.name;
  out.systemdActiveState = s.activeState;
  out.systemdLoadState = s.loadState;
  if (s.subState !== '') out.systemdSubState = s.subState;
  return out;
}

/**
 * `GET /units/<name>/explain` (ours, not fleet's): why a unit is or is not
 * scheduled, for `fleetctl status` and operators. A separate resource
 * rather than a field of the unit GET, so fleet's Unit entity stays exactly
 * fleet's.
 *
 * The answer is the engine's: what it published about the unit
 * (`engine/unplaced/<name>`), its schedule entries and its desired state,
 * put together by `explainUnit` (src/engine/explain.ts). The API decides
 * nothing itself.
 */
import { explainUnit as explainFrom } from '../engine/explain.js';
import { unitNameProblem } from '../units/index.js';
import type { ApiContext } from './context.js';
import { ApiError } from './errors.js';
import { json, type Reply } from './reply.js';
import type { ApiRequest } from './request.js';

export type { UnitExplanation } from '../engine/explain.js';

/** `GET /units/<name>/explain`. Throws ApiError (404 unknown unit) / registry errors. */
export async function explainUnit(_req: ApiRequest, ctx: ApiContext, name: string): Promise<Reply> {
  if (unitNameProblem(name) !== undefined) throw new ApiError(404, 'unit does not exist');
  const [unit, schedule, unplaced] = await Promise.all([ctx.registry.getUnit(name), ctx.registry.listSchedule(), ctx.registry.getUnplaced(name)]);
  if (unit === undefined) throw new ApiError(404, 'unit does not exist');
  const machineIDs = schedule.filter((e) => e.name === name).map((e) => e.machineId);
  return json(200, explainFrom(unit, machineIDs, unplaced));
}

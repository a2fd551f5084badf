/**
 * `GET /sets` (ours, for `fleetctl apply`): every apply set with the units
 * it created that still exist, `{"sets":[{"name":"web","units":["a.service"]}]}`,
 * sets and members sorted (`sets` omitted when there are none, like fleet's
 * lists). Membership is written by `PUT /units/<name>` with `applySet` when
 * the PUT creates the unit, and deleted with the unit.
 */
import type { ApiContext } from './context.js';
import { json, type Reply } from './reply.js';
import type { ApiRequest } from './request.js';

/** `GET /sets`. Throws registry errors. */
export async function listApplySets(_req: ApiRequest, ctx: ApiContext): Promise<Reply> {
  const sets = await ctx.registry.listApplySets();
  return json(200, sets.length === 0 ? {} : { sets: sets.map((s) => ({ name: s.name, units: [...s.units] })) });
}

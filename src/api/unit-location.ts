import { unitNameProblem } from '../units/index.js';
import type { ApiContext } from './context.js';
import { ApiError } from './errors.js';

/**
 * Checks that `name` is scheduled to this fleetd's machine, the only place
 * its systemd status and journal can be read.
 * @returns nothing when it is scheduled here.
 * @throws {ApiError} 404 `unit does not exist` (unknown and unscheduled),
 *   404 `unit is not scheduled to any machine`, or 409 naming the machine(s)
 *   it is scheduled to (also in `X-Fleet-Machine-ID`, the first by id), so a
 *   client can ask that machine's fleetd instead.
 *   With `wanted` (the request's `machineID`, for one copy of a global
 *   unit): 409 naming it when it is another machine that has the unit, 404
 *   when no such machine has it, so this fleetd never answers for its own
 *   copy instead.
 */
export async function requireScheduledHere(ctx: ApiContext, name: string, wanted?: string): Promise<void> {
  if (unitNameProblem(name) !== undefined) throw new ApiError(404, 'unit does not exist');
  const [unit, entries] = await Promise.all([ctx.registry.getUnit(name), ctx.schedule.entriesOf(name)]);
  const machines = entries.map((e) => e.machineId);
  if (wanted !== undefined && wanted !== '' && wanted !== ctx.machineId) {
    if (!machines.includes(wanted)) throw new ApiError(404, `unit ${name} is not scheduled to machine ${JSON.stringify(wanted)}`);
    throw new ApiError(409, `unit ${name} was asked of machine ${wanted}, not this machine (${ctx.machineId})`, { 'X-Fleet-Machine-ID': wanted });
  }
  if (machines.includes(ctx.machineId)) return;
  if (machines.length > 0) {
    const where = machines.length === 1 ? `machine ${machines[0]}` : `machines ${machines.join(', ')}`;
    throw new ApiError(409, `unit ${name} runs on ${where}, not on this machine (${ctx.machineId})`, { 'X-Fleet-Machine-ID': machines[0]! });
  }
  if (unit === undefined) throw new ApiError(404, 'unit does not exist');
  throw new ApiError(404, 'unit is not scheduled to any machine');
}

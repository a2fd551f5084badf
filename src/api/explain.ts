/**
 * `GET /units/<name>/explain` (ours, not fleet's): why a unit is or is not
 * scheduled, for `fleetctl status` and operators. A separate resource
 * rather than a field of the unit GET, so fleet's Unit entity stays exactly
 * fleet's and the (whole-cluster) computation runs only when asked for.
 *
 * It runs the scheduler (`planSchedule`) on the cluster as the registry
 * shows it now, as the engine would on its next pass, so the answer is
 * what the engine will decide, give or take changes in between.
 */
import type { MachineRecord, ScheduleEntry, UnitWithDesired } from '../registry/index.js';
import { formatExplanation, planSchedule, type Explanation } from '../scheduler/index.js';
import { buildSnapshot } from '../engine/snapshot.js';
import { unitNameProblem } from '../units/index.js';
import type { ApiContext } from './context.js';
import { ApiError } from './errors.js';
import { json, type Reply } from './reply.js';
import type { ApiRequest } from './request.js';

/**
 * The answer: `status` is
 * - `inactive`: desired state is inactive, nothing to place;
 * - `invalid`: the unit's `[X-Fleet]` section cannot be read (the engine skips it);
 * - `scheduled`: placed, and the next pass keeps it where it is;
 * - `pending`: the next pass will (re)schedule it (`message` gives the engine's reasons);
 * - `unschedulable`: no machine passes the filters (`message` is formatExplanation's line,
 *   e.g. `0 of 5 machines eligible: 3 by Conflicts (web@*), 2 by MachineMetadata (region=eu)`).
 */
export interface UnitExplanation {
  readonly name: string;
  readonly desiredState: string;
  readonly status: 'inactive' | 'invalid' | 'scheduled' | 'pending' | 'unschedulable';
  /** Machines the unit is scheduled to now, sorted. */
  readonly machineIDs: readonly string[];
  readonly message: string;
  /** The scheduler's per-filter counts, for `unschedulable`. */
  readonly explanation?: Explanation;
}

/** `GET /units/<name>/explain`. Throws ApiError (404 unknown unit) / registry errors. */
export async function explainUnit(_req: ApiRequest, ctx: ApiContext, name: string): Promise<Reply> {
  if (unitNameProblem(name) !== undefined) throw new ApiError(404, 'unit does not exist');
  const [units, machines, schedule] = await Promise.all([ctx.registry.listUnits(), ctx.registry.listMachines(), ctx.registry.listSchedule()]);
  const unit = units.find((u) => u.unit.name === name);
  if (unit === undefined) throw new ApiError(404, 'unit does not exist');
  return json(200, explainFrom(unit, units, machines, schedule));
}

/** Decides the explanation of `unit` from registry listings (pure). */
export function explainFrom(
  unit: UnitWithDesired,
  units: readonly UnitWithDesired[],
  machines: readonly MachineRecord[],
  schedule: readonly ScheduleEntry[],
): UnitExplanation {
  const name = unit.unit.name;
  const machineIDs = schedule.filter((e) => e.name === name).map((e) => e.machineId).sort();
  const base = { name, desiredState: unit.desired, machineIDs };
  const { snapshot, broken } = buildSnapshot({ units: units.map((u) => u.unit), desired: new Map(units.map((u) => [u.unit.name, u.desired])), machines, schedule });
  const problems = broken.find((b) => b.unit === name)?.problems ?? [];
  if (problems.length > 0) return { ...base, status: 'invalid', message: `unit options cannot be used: ${problems.join('; ')}` };
  if (unit.desired === 'inactive') return { ...base, status: 'inactive', message: 'desired state is inactive' };

  const plan = planSchedule(snapshot);
  const unplaced = plan.unplaced.find((e) => e.unit === name);
  if (unplaced !== undefined) return { ...base, status: 'unschedulable', message: formatExplanation(unplaced), explanation: unplaced };
  const decisions = plan.decisions.filter((d) => d.unit === name);
  if (decisions.length > 0) {
    return { ...base, status: 'pending', message: decisions.map((d) => `${d.kind} ${d.kind === 'schedule' ? 'to' : 'from'} ${d.machine}: ${d.reason}`).join('; ') };
  }
  if (machineIDs.length > 0) return { ...base, status: 'scheduled', message: `scheduled to ${machineIDs.join(', ')}` };
  return { ...base, status: 'pending', message: 'waiting for the engine' };
}

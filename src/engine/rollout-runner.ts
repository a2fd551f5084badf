/**
 * The engine leader's rollout shell: once per pass, for every rollout with
 * something to do, build its view from the cache and the group's state
 * reports (one range read per rollout), let the pure `stepRollout` decide,
 * and write the result fenced, compare-and-set on the record (an operator's
 * pause/undo written meanwhile wins; the next pass steps again from it).
 */
import { NotLeaderError, unitRecord, type EngineRegistry, type LeaderFence, type StoredRollout, type UnitStateRecord, type UnitWithText } from '../registry/index.js';
import { inGroup, stepRollout, type GroupMember, type RolloutEvent, type RolloutRecord, type RolloutView } from '../rollout/index.js';
import { buildUnit } from '../units/index.js';
import type { ClusterCache } from './cluster-cache.js';

/** What the runner needs. */
export interface RolloutRunnerOptions {
  readonly registry: Pick<EngineRegistry, 'getBody' | 'listGroupStates' | 'writeRollout'>;
  /** The leader's current fence; undefined when no longer leading. */
  readonly fence: () => LeaderFence | undefined;
  /** Told about every rollout event. */
  readonly event: (e: RolloutEvent) => void;
}

/** Whether the engine has anything to do for `r` (a `failed` or `done` one only when asked to undo it). */
export function needsStepping(r: RolloutRecord): boolean {
  if (r.phase === 'pending' || r.phase === 'running' || r.phase === 'reverting') return true;
  return r.undoRequested && (r.phase === 'failed' || r.phase === 'done');
}

/**
 * Steps every rollout of `cache` that needs it, at `now`.
 * @returns whether some rollout still needs stepping (the engine then passes again soon, for health timing).
 * @throws NotLeaderError when leadership was lost; registry errors (the next pass retries).
 */
export async function runRollouts(cache: ClusterCache, now: number, opts: RolloutRunnerOptions): Promise<boolean> {
  const due = [...cache.rollouts.values()].filter((s) => needsStepping(s.record));
  if (due.length === 0) return false;
  const machinesOf = scheduledMachines(cache, due);
  for (const stored of due) await stepOne(cache, stored, machinesOf, now, opts);
  return [...cache.rollouts.values()].some((s) => needsStepping(s.record));
}

async function stepOne(cache: ClusterCache, stored: StoredRollout, machinesOf: ReadonlyMap<string, string[]>, now: number, opts: RolloutRunnerOptions): Promise<void> {
  const { record } = stored;
  const states = record.phase === 'pending' ? [] : await opts.registry.listGroupStates(record.group);
  const step = stepRollout(record, groupView(cache, record.group, machinesOf, states), now);
  if (step.record === record) return;
  const units: UnitWithText[] = [];
  const texts = new Map<string, string>();
  for (const a of step.actions) {
    if (a.type !== 'writeUnits') continue;
    for (const u of a.units) {
      let text = texts.get(u.hash);
      if (text === undefined) {
        text = await opts.registry.getBody(u.hash);
        if (text === undefined) throw new Error(`rollout of ${record.group}: body ${u.hash} is missing`);
        texts.set(u.hash, text);
      }
      units.push(unitRecord(buildUnit(u.name, text)));
    }
  }
  const fence = opts.fence();
  if (fence === undefined) throw new NotLeaderError('', 0n, 0);
  const revision = await opts.registry.writeRollout(step.record, units, stored.modRevision, fence);
  if (revision === undefined) return; // changed meanwhile (an operator's request): the next pass steps from it
  cache.applyRolloutWrite({ record: step.record, modRevision: revision }, units);
  for (const a of step.actions) if (a.type === 'event') opts.event(a.event);
}

/** Unit name -> machines it is scheduled to (sorted), for the units of the `due` rollouts' groups. */
function scheduledMachines(cache: ClusterCache, due: readonly StoredRollout[]): Map<string, string[]> {
  const groups = due.map((s) => s.record.group);
  const out = new Map<string, string[]>();
  for (const e of cache.entries()) {
    if (!groups.some((g) => inGroup(g, e.name))) continue;
    const list = out.get(e.name);
    if (list === undefined) out.set(e.name, [e.machineId]);
    else list.push(e.machineId);
  }
  for (const list of out.values()) list.sort();
  return out;
}

function groupView(cache: ClusterCache, group: string, machinesOf: ReadonlyMap<string, string[]>, states: readonly UnitStateRecord[]): RolloutView {
  const members: GroupMember[] = [];
  for (const u of cache.units.values()) {
    if (!inGroup(group, u.name)) continue;
    members.push({ name: u.name, hash: u.hash, desired: cache.desired.get(u.name) ?? 'inactive', machines: machinesOf.get(u.name) ?? [] });
  }
  members.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const byKey = new Map(states.map((s) => [`${s.name}\0${s.machineId}`, s]));
  return { members, observe: (unit, machine) => byKey.get(`${unit}\0${machine}`) };
}

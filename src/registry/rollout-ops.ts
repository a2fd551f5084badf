/**
 * The thin shells around the rollout decisions (`src/rollout/create.ts`,
 * `control.ts`): read what they need, let them decide, write
 * compare-and-set. Shared by the HTTP API and fleetctl's etcd driver, so
 * both answer the same way.
 */
import { applyRolloutControl, planRolloutCreate, RolloutRejectedError, type RolloutControl, type RolloutCreateRequest, type RolloutRecord } from '../rollout/index.js';
import type { ApiRegistry } from './roles.js';

/** The reads and writes rollout requests make (a subset of the registry's API role). */
export type RolloutStore = Pick<ApiRegistry, 'listUnits' | 'getRollout' | 'createRollout' | 'updateRollout'>;

/**
 * Creates a rollout: the record and the new text's body, if the group's
 * rollout record did not change since it was read.
 * @returns the stored (pending) record.
 * @throws {RolloutRejectedError} as `planRolloutCreate`, or `conflict` when
 *   the record changed meanwhile; what the store throws.
 */
export async function executeRolloutCreate(store: RolloutStore, req: RolloutCreateRequest, now: number): Promise<RolloutRecord> {
  const [units, current] = await Promise.all([store.listUnits(), store.getRollout(req.group)]);
  const record = planRolloutCreate(req, { members: units.map((u) => u.unit), current: current?.record, now });
  if (!(await store.createRollout(record, { hash: req.unit.hash, text: req.unit.text }, current?.modRevision ?? 0n))) {
    throw new RolloutRejectedError('conflict', req.group, `the rollout of ${req.group} changed meanwhile; try again`);
  }
  return record;
}

/**
 * Applies an operator's control; the engine writes the record too, so a
 * lost compare-and-set is retried a few times with a fresh read.
 * @returns the record as stored afterwards.
 * @throws {RolloutRejectedError} `absent` (no rollout of the group), as
 *   `applyRolloutControl`, or `conflict` when it kept changing.
 */
export async function executeRolloutControl(store: RolloutStore, group: string, control: RolloutControl, now: number): Promise<RolloutRecord> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const stored = await store.getRollout(group);
    if (stored === undefined) throw new RolloutRejectedError('absent', group, 'rollout does not exist');
    const next = applyRolloutControl(stored.record, control, now);
    if (next === stored.record || (await store.updateRollout(next, stored.modRevision))) return next;
  }
  throw new RolloutRejectedError('conflict', group, `the rollout of ${group} kept changing; try again`);
}

/**
 * Runs an apply plan through the client: phase by phase (creates, changes,
 * prunes). A phase's unit writes go out as batches (`writeUnits`), its
 * rollouts a few at a time. A failed step never stops the others; each
 * outcome is reported in plan order.
 */
import { APPLY_PHASES, type ApplyStep } from '../../src/apply/index.js';
import type { RolloutRecord } from '../../src/rollout/index.js';
import { pooled } from '../../src/pool.js';
import type { FleetClient, UnitWriteRequest } from '../client/types.js';
import { forEachUnit } from '../units/each.js';

/** What happened to one step; `error` undefined on success. */
export interface StepOutcome {
  readonly step: ApplyStep;
  readonly error?: unknown;
  /** The rollout a `rollout` step started (pending), on success. */
  readonly rollout?: RolloutRecord;
}

/** Rollouts started at once. */
const ROLLOUTS_IN_FLIGHT = 4;

type RolloutStep = Extract<ApplyStep, { kind: 'rollout' }>;
type WriteStep = Exclude<ApplyStep, RolloutStep>;

/** The unit write a (non-rollout) step makes. */
function write(set: string, step: WriteStep): UnitWriteRequest {
  switch (step.kind) {
    case 'create':
      return { kind: 'put', name: step.name, options: step.unit.options, desiredState: step.desired, applySet: set };
    case 'replace':
      return { kind: 'put', name: step.name, options: step.unit.options, ...(step.desired === undefined ? {} : { desiredState: step.desired }) };
    case 'setDesired':
      return { kind: 'put', name: step.name, options: [], desiredState: step.desired };
    case 'destroy':
      return { kind: 'destroy', name: step.name };
  }
}

/**
 * Executes `steps` (from `planApply`) for apply set `set`; `report` sees
 * each outcome, in plan order, once its phase is done.
 * @returns every outcome, in plan order. Never rejects.
 */
export async function executeApply(client: FleetClient, set: string, steps: readonly ApplyStep[], report: (o: StepOutcome) => void): Promise<StepOutcome[]> {
  const outcomes: StepOutcome[] = [];
  for (const kinds of APPLY_PHASES) {
    const phase = steps.filter((s) => kinds.includes(s.kind));
    const done = new Map<ApplyStep, StepOutcome>();
    const writes = phase.filter((s): s is WriteStep => s.kind !== 'rollout');
    await forEachUnit(
      client,
      writes,
      (step) => write(set, step),
      (step, error) => done.set(step, error === undefined ? { step } : { step, error }),
    );
    await pooled(
      phase.filter((s): s is RolloutStep => s.kind === 'rollout'),
      ROLLOUTS_IN_FLIGHT,
      async (step) => {
        try {
          done.set(step, { step, rollout: await client.createRollout(step.name, step.unit.options, step.settings) });
        } catch (error) {
          done.set(step, { step, error });
        }
      },
    );
    for (const step of phase) {
      const o = done.get(step)!;
      outcomes.push(o);
      report(o);
    }
  }
  return outcomes;
}

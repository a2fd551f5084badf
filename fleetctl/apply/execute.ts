/**
 * Runs an apply plan through the client: phase by phase (creates, changes,
 * prunes), the steps of a phase a bounded number at a time. A failed step
 * never stops the others; each outcome is reported in plan order.
 */
import { APPLY_PHASES, type ApplyStep } from '../../src/apply/index.js';
import type { RolloutRecord } from '../../src/rollout/index.js';
import type { FleetClient } from '../client/types.js';
import { forEachUnit } from '../units/each.js';

/** What happened to one step; `error` undefined on success. */
export interface StepOutcome {
  readonly step: ApplyStep;
  readonly error?: unknown;
  /** The rollout a `rollout` step started (pending), on success. */
  readonly rollout?: RolloutRecord;
}

/** The one write a step makes; a rollout step resolves with the rollout it started. */
async function write(client: FleetClient, set: string, step: ApplyStep): Promise<RolloutRecord | void> {
  switch (step.kind) {
    case 'create':
      return client.putUnit(step.name, step.unit.options, step.desired, set);
    case 'replace':
      return client.putUnit(step.name, step.unit.options, step.desired);
    case 'setDesired':
      return client.setDesiredState(step.name, step.desired);
    case 'destroy':
      return client.destroyUnit(step.name);
    case 'rollout':
      return client.createRollout(step.name, step.unit.options, step.settings);
  }
}

/**
 * Executes `steps` (from `planApply`) for apply set `set`; `report` sees
 * each outcome as soon as it and the earlier ones of its phase are known.
 * @returns every outcome, in plan order. Never rejects.
 */
export async function executeApply(client: FleetClient, set: string, steps: readonly ApplyStep[], report: (o: StepOutcome) => void): Promise<StepOutcome[]> {
  const outcomes: StepOutcome[] = [];
  const started = new Map<ApplyStep, RolloutRecord>();
  for (const kinds of APPLY_PHASES) {
    const phase = steps.filter((s) => kinds.includes(s.kind));
    await forEachUnit(
      phase,
      async (step) => {
        const r = await write(client, set, step);
        if (r !== undefined) started.set(step, r);
      },
      (step, error) => {
        const rollout = started.get(step);
        const o: StepOutcome = error !== undefined ? { step, error } : rollout !== undefined ? { step, rollout } : { step };
        outcomes.push(o);
        report(o);
      },
    );
  }
  return outcomes;
}

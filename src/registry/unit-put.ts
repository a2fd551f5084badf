/**
 * The thin shell around the unit PUT policy (`src/units/put-policy.ts`): read what the
 * policy needs from a store, let it decide, write the decision. The store
 * is injected (the registry's API role fits), so the HTTP API and
 * fleetctl's etcd driver run the same reads and writes.
 */
import { checkUnitPut, templateNeeded, type Unit, type UnitPutPlan, type UnitPutRequest } from '../units/index.js';
import type { UnitWithText } from './records.js';
import type { ApiRegistry, UnitWithDesired } from './roles.js';

/** The reads and writes a unit PUT makes (a subset of the registry's API role). */
export type UnitPutStore = Pick<ApiRegistry, 'getUnit' | 'createUnit' | 'replaceUnit' | 'setDesiredState'>;

/** What the policy needs to decide a PUT: the unit as stored and, for a new instance given without options, its template. */
export interface UnitPutInputs {
  readonly existing: UnitWithDesired | undefined;
  readonly template: UnitWithDesired | undefined;
}

/**
 * Checks what needs no store (`checkUnitPut`, so a bad request never
 * reaches it), then reads the stored unit `name` and, when the policy needs
 * it, its template.
 * @returns both (undefined where nothing is stored).
 * @throws as `checkUnitPut`; what the store throws (unavailable, closed).
 */
export async function readUnitPutInputs(store: UnitPutStore, name: string, request: UnitPutRequest): Promise<UnitPutInputs> {
  checkUnitPut(name, request);
  const existing = await store.getUnit(name);
  const templateName = templateNeeded(name, request, existing);
  const template = templateName === undefined ? undefined : await store.getUnit(templateName);
  return { existing, template };
}

/**
 * Writes a plan: create, replace or set the desired state.
 * @throws what the store throws: `UnitExistsError` when the unit was created
 *   concurrently, `UnitNotFoundError` when it was destroyed concurrently,
 *   unavailable/closed errors.
 */
export async function executeUnitPut(store: UnitPutStore, name: string, plan: UnitPutPlan): Promise<void> {
  switch (plan.kind) {
    case 'create':
      await store.createUnit(unitRecord(plan.unit), plan.desired, plan.applySet);
      return;
    case 'replace':
      await store.replaceUnit(unitRecord(plan.unit), plan.desired);
      return;
    case 'setDesired':
      await store.setDesiredState(name, plan.desired);
      return;
  }
}

/** The stored part of a built unit, with the text that becomes its body (description, requirements and warnings are derived again by readers). */
export function unitRecord(u: Unit): UnitWithText {
  return { name: u.name, options: u.options, text: u.text, hash: u.hash };
}

/**
 * The one policy for creating and changing a unit (fleet's `PUT
 * /units/<name>`, `api/units.go` set, with the §10.9 quirks fixed), used by
 * every client: the HTTP API and fleetctl's etcd driver. Pure: the callers
 * read the stored unit (and template), ask {@link planUnitPut}, then execute
 * the plan (`src/registry/unit-put.ts`), so a rejected request never writes anything.
 *
 * Rules, in order: the unit name follows fleet's rules; the desired state is
 * one of fleet's three; a template is never activated; a new unit needs
 * options, except an instance whose template is stored (it is created from
 * the template's options), and records its apply set when one is given;
 * changed options are validated, then replace the
 * body (the desired state is kept unless one is given); otherwise only the
 * desired state changes, and it must be given.
 */
import { applySetNameProblem, isDesiredState, type DesiredState } from '../domain/index.js';
import { UnitError } from './errors.js';
import { optionsHash } from './hash.js';
import { parseUnitName, templateOf, validateUnitName } from './names.js';
import type { UnitOption } from './options.js';
import { goQuote } from './text.js';
import { buildUnit, type Unit } from './unit.js';

/** A unit as stored, as far as the policy reads it (the registry's unit-with-desired-state fits). */
export interface StoredUnit {
  readonly unit: { readonly name: string; readonly hash: string; readonly options: readonly UnitOption[] };
  readonly desired: DesiredState;
}

/** What a client asks for one unit. */
export interface UnitPutRequest {
  /** The new body; empty = none given. */
  readonly options: readonly UnitOption[];
  /** Not yet validated; undefined = none given. */
  readonly desiredState?: string;
  /**
   * The apply set to record a new unit in (`fleetctl apply`); not yet
   * validated. Only a create records it: an existing unit keeps whatever
   * membership it has. Undefined = none.
   */
  readonly applySet?: string;
}

/** What a PUT does, once validated. */
export type UnitPutPlan =
  /** Create a new unit (from the request's options, or from its template's). */
  | { readonly kind: 'create'; readonly unit: Unit; readonly desired: DesiredState; readonly fromTemplate?: string; readonly applySet?: string }
  /** Overwrite an existing unit with changed options (its desired state kept when `desired` is undefined). */
  | { readonly kind: 'replace'; readonly unit: Unit; readonly desired?: DesiredState }
  /** Change only the desired state. */
  | { readonly kind: 'setDesired'; readonly desired: DesiredState };

/**
 * Why the policy refused a request: `invalid` reasons are wrong whatever the
 * cluster holds (HTTP 400), `conflict` reasons depend on what is stored
 * (HTTP 409). Messages are fleet's.
 */
export type UnitPutRejection =
  | 'invalid-desired-state'
  | 'invalid-apply-set'
  | 'template-activation'
  | 'options-required'
  | 'desired-state-required';

/** The unit PUT policy refused a request; nothing was written. */
export class UnitPutRejectedError extends UnitError {
  readonly code = 'UNIT_PUT_REJECTED';
  /** `invalid`: the request itself is wrong; `conflict`: it does not fit what is stored. */
  readonly kind: 'invalid' | 'conflict';

  constructor(
    /** The unit the request was for. */
    readonly unitName: string,
    readonly reason: UnitPutRejection,
    message: string,
  ) {
    super(message);
    this.name = 'UnitPutRejectedError';
    this.kind = reason === 'options-required' || reason === 'desired-state-required' ? 'conflict' : 'invalid';
  }
}

/**
 * The checks that need no stored unit, in fleet's order: unit name, desired
 * state, template activation, then the apply set's name.
 * @returns the validated desired state; undefined when none was given.
 * @throws {InvalidUnitNameError} for a bad name (fleet's message);
 *   {@link UnitPutRejectedError} `invalid-desired-state` / `template-activation` / `invalid-apply-set`.
 */
export function checkUnitPut(name: string, request: UnitPutRequest): DesiredState | undefined {
  validateUnitName(name);
  checkApplySet(name, request.applySet);
  const desired = request.desiredState;
  if (desired === undefined) return undefined;
  if (!isDesiredState(desired)) {
    throw new UnitPutRejectedError(name, 'invalid-desired-state', `invalid value ${goQuote(desired)} for desiredState (expected inactive, loaded or launched)`);
  }
  if (desired !== 'inactive' && parseUnitName(name)?.isTemplate === true) {
    throw new UnitPutRejectedError(name, 'template-activation', `cannot activate template ${goQuote(name)}`);
  }
  return desired;
}

function checkApplySet(name: string, set: string | undefined): void {
  if (set === undefined) return;
  const problem = applySetNameProblem(set);
  if (problem !== undefined) throw new UnitPutRejectedError(name, 'invalid-apply-set', `invalid apply set name ${goQuote(set)}: ${problem}`);
}

/**
 * The template a request needs to be decided: for a unit that does not
 * exist, given without options, whose name is an instance (`foo@1.service`
 * → `foo@.service`). Callers read it and pass it to {@link planUnitPut}.
 * @returns the template name; undefined when no template is needed. Never throws.
 */
export function templateNeeded(name: string, request: UnitPutRequest, existing: StoredUnit | undefined): string | undefined {
  return existing === undefined && request.options.length === 0 ? templateOf(name) : undefined;
}

/**
 * Decides a PUT of `name`, given the unit as stored (undefined when it does
 * not exist) and, when {@link templateNeeded} named one, its template as
 * stored (undefined when that does not exist either).
 * @returns the plan to execute.
 * @throws as {@link checkUnitPut}; {@link UnitPutRejectedError}
 *   `options-required` (new unit without options and without a stored
 *   template) or `desired-state-required` (existing unit, nothing to change);
 *   `UnitValidationError` / `UnitParseError` for unusable options.
 */
export function planUnitPut(name: string, request: UnitPutRequest, existing: StoredUnit | undefined, template?: StoredUnit): UnitPutPlan {
  const desired = checkUnitPut(name, request);
  if (existing === undefined) {
    const set = request.applySet === undefined ? {} : { applySet: request.applySet };
    if (request.options.length > 0) return { kind: 'create', unit: buildUnit(name, request.options), desired: desired ?? 'inactive', ...set };
    const templateName = templateNeeded(name, request, existing);
    if (templateName === undefined || template === undefined || template.unit.name !== templateName) {
      throw new UnitPutRejectedError(name, 'options-required', 'unit does not exist and options field empty');
    }
    return { kind: 'create', unit: unitFromTemplate(name, template.unit.options), desired: desired ?? 'inactive', fromTemplate: templateName, ...set };
  }
  if (request.options.length > 0 && optionsHash(request.options) !== existing.unit.hash) {
    const unit = buildUnit(name, request.options);
    return desired === undefined ? { kind: 'replace', unit } : { kind: 'replace', unit, desired };
  }
  if (desired === undefined) throw new UnitPutRejectedError(name, 'desired-state-required', 'must provide DesiredState to update existing unit');
  return { kind: 'setDesired', desired };
}

/**
 * The instance `name` built from its template's body (options as stored, or
 * a local template file's text): the same body under the instance's name,
 * so specifiers such as `%i` resolve for the instance.
 * @throws as `buildUnit` (the template's options may not suit this instance).
 */
export function unitFromTemplate(name: string, template: string | Uint8Array | readonly UnitOption[]): Unit {
  return buildUnit(name, template);
}

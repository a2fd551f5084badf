/**
 * `PUT /units/<name>`: fleet's algorithm (`api/units.go` set) with its
 * quirks fixed (§10.9): the desired state is validated everywhere, a
 * template is never activated, and changed options are validated before
 * they replace a unit. Decoding and deciding are pure; `units.ts` executes
 * the decision, so a rejected request never reaches the registry.
 */
import { type UnitWithDesired } from '../registry/index.js';
import { buildUnit, canonicalOrder, hashUnitText, parseUnitName, serializeUnit, unitNameProblem, type Unit, type UnitOption } from '../units/index.js';
import { ApiError } from './errors.js';
import { isDesiredState, type DesiredState } from '../domain/index.js';

/** A decoded PUT body (fleet's Unit entity; currentState and machineID are ignored). */
export interface PutBody {
  /** "" when absent. */
  readonly name: string;
  /** Undefined when absent or "" (Go's omitempty). Not yet validated. */
  readonly desiredState?: string;
  /** Empty when absent. */
  readonly options: readonly UnitOption[];
}

/** What a PUT does, once validated. */
export type PutAction =
  /** Create a new unit: 201. */
  | { readonly kind: 'create'; readonly unit: Unit; readonly desired: DesiredState }
  /** Overwrite an existing unit with changed options (keeping its desired state when none is given): 201. */
  | { readonly kind: 'replace'; readonly unit: Unit; readonly desired?: DesiredState }
  /** Change only the desired state: 204. */
  | { readonly kind: 'setDesired'; readonly desired: DesiredState };

/**
 * Checks the shape of a parsed PUT body.
 * @throws {ApiError} 400 `unable to decode body: ...` naming the bad field.
 */
export function decodePutBody(value: unknown): PutBody {
  const bad = (what: string) => new ApiError(400, `unable to decode body: ${what}`);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw bad('expected a JSON object');
  const o = value as Record<string, unknown>;
  const optionalString = (field: string): string => {
    const v = o[field];
    if (v === undefined || v === null) return '';
    if (typeof v !== 'string') throw bad(`field "${field}" must be a string`);
    return v;
  };
  const name = optionalString('name');
  const desiredState = optionalString('desiredState');
  const rawOptions = o['options'];
  let options: UnitOption[] = [];
  if (rawOptions !== undefined && rawOptions !== null) {
    if (!Array.isArray(rawOptions)) throw bad('field "options" must be an array');
    options = rawOptions.map((x: unknown, i) => {
      if (typeof x !== 'object' || x === null || Array.isArray(x)) throw bad(`options[${i}] must be an object`);
      const ox = x as Record<string, unknown>;
      const field = (f: string, required: boolean): string => {
        const v = ox[f];
        if ((v === undefined || v === null) && !required) return '';
        if (typeof v !== 'string') throw bad(`options[${i}].${f} must be a string`);
        return v;
      };
      return { section: field('section', true), name: field('name', true), value: field('value', false) };
    });
  }
  return desiredState === '' ? { name, options } : { name, desiredState, options };
}

/**
 * The checks that need no stored unit, in fleet's order: body name vs URL
 * name, unit name, desired state, template activation.
 * @returns the validated desired state, undefined when none was given.
 * @throws {ApiError} 400 naming the problem.
 */
export function checkPutRequest(urlName: string, body: PutBody): DesiredState | undefined {
  if (body.name !== '' && body.name !== urlName) {
    throw new ApiError(400, `name in URL ${JSON.stringify(urlName)} differs from unit name in request body ${JSON.stringify(body.name)}`);
  }
  const problem = unitNameProblem(urlName);
  if (problem !== undefined) throw new ApiError(400, problem);
  const desired = checkDesired(body.desiredState);
  if (desired !== undefined && desired !== 'inactive' && parseUnitName(urlName)?.isTemplate === true) {
    throw new ApiError(400, `cannot activate template ${JSON.stringify(urlName)}`);
  }
  return desired;
}

/**
 * Decides a PUT of `urlName` with `body`, given the unit as stored
 * (undefined when it does not exist): {@link checkPutRequest}, then
 * create / replace (options validated) / set desired state.
 * @returns the action to execute.
 * @throws {ApiError} 400 (names, desired state, template), 409 (new unit
 *   without options; existing unit without desired state);
 *   `UnitValidationError` / `UnitParseError` for unusable options (400 at the edge).
 */
export function planUnitPut(urlName: string, body: PutBody, existing: UnitWithDesired | undefined): PutAction {
  const desired = checkPutRequest(urlName, body);
  if (existing === undefined) {
    if (body.options.length === 0) throw new ApiError(409, 'unit does not exist and options field empty');
    return { kind: 'create', unit: buildUnit(urlName, body.options), desired: desired ?? 'inactive' };
  }
  if (body.options.length > 0 && optionsHash(body.options) !== existing.unit.hash) {
    const unit = buildUnit(urlName, body.options);
    return desired === undefined ? { kind: 'replace', unit } : { kind: 'replace', unit, desired };
  }
  if (desired === undefined) throw new ApiError(409, 'must provide DesiredState to update existing unit');
  return { kind: 'setDesired', desired };
}

function checkDesired(value: string | undefined): DesiredState | undefined {
  if (value === undefined) return undefined;
  if (!isDesiredState(value)) {
    throw new ApiError(400, `invalid value ${JSON.stringify(value)} for desiredState (expected inactive, loaded or launched)`);
  }
  return value;
}

/** The hash the options would be stored under, without validating them (so an unchanged unit is never re-judged); undefined when they cannot even be serialized. */
function optionsHash(options: readonly UnitOption[]): string | undefined {
  try {
    return hashUnitText(serializeUnit(canonicalOrder(options)));
  } catch {
    return undefined;
  }
}

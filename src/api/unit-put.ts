/**
 * `PUT /units/<name>` on the wire: decoding fleet's Unit entity and the
 * body-vs-URL name check are the API's; the decision is the shared unit PUT
 * policy (`src/units/put-policy.ts`, also used by fleetctl's etcd driver),
 * whose refusals become HTTP errors here. `units.ts` executes the decision,
 * so a rejected request never reaches the registry.
 */
import type { UnitWithDesired } from '../registry/index.js';
import type { DesiredState } from '../domain/index.js';
import { checkUnitPut, InvalidUnitNameError, planUnitPut as planPut, UnitPutRejectedError, type UnitOption, type UnitPutPlan } from '../units/index.js';
import { ApiError, toApiError } from './errors.js';

/** A decoded PUT body (fleet's Unit entity; currentState and machineID are ignored). */
export interface PutBody {
  /** "" when absent. */
  readonly name: string;
  /** Undefined when absent or "" (Go's omitempty). Not yet validated. */
  readonly desiredState?: string;
  /** Empty when absent. */
  readonly options: readonly UnitOption[];
  /** Ours (`fleetctl apply`): the apply set a created unit becomes a member of; undefined when absent or "". Not yet validated. */
  readonly applySet?: string;
}

/** What a PUT does, once validated (the shared policy's plan). */
export type PutAction = UnitPutPlan;

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
  const applySet = optionalString('applySet');
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
  return { name, options, ...(desiredState === '' ? {} : { desiredState }), ...(applySet === '' ? {} : { applySet }) };
}

/**
 * The checks that need no stored unit, in fleet's order: body name vs URL
 * name, then the shared policy's (unit name, desired state, template
 * activation).
 * @returns the validated desired state, undefined when none was given.
 * @throws {ApiError} 400 naming the problem.
 */
export function checkPutRequest(urlName: string, body: PutBody): DesiredState | undefined {
  if (body.name !== '' && body.name !== urlName) {
    throw new ApiError(400, `name in URL ${JSON.stringify(urlName)} differs from unit name in request body ${JSON.stringify(body.name)}`);
  }
  return asApiError(() => checkUnitPut(urlName, body));
}

/**
 * Decides a PUT of `urlName` with `body` by the shared policy
 * (`src/units/put-policy.ts`), given the unit as stored (undefined when it
 * does not exist) and, for a new instance without options, its template as
 * stored.
 * @returns the action to execute.
 * @throws {ApiError} 400 (names, desired state, template), 409 (new unit
 *   without options or stored template; existing unit without desired state);
 *   `UnitValidationError` / `UnitParseError` for unusable options (400 at the edge).
 */
export function planUnitPut(urlName: string, body: PutBody, existing: UnitWithDesired | undefined, template?: UnitWithDesired): PutAction {
  checkPutRequest(urlName, body);
  return asApiError(() => planPut(urlName, body, existing, template));
}

/** Runs `decide`, turning the policy's refusals (and a bad name) into the API's error; other errors pass unchanged. */
function asApiError<T>(decide: () => T): T {
  try {
    return decide();
  } catch (err) {
    if (err instanceof UnitPutRejectedError || err instanceof InvalidUnitNameError) throw toApiError(err).error;
    throw err;
  }
}

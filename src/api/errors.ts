/**
 * The API's one translation from typed errors to HTTP status and message.
 * Handlers throw {@link ApiError} for request problems and let typed errors
 * from the registry and the unit library propagate; {@link toApiError}
 * turns anything into what the client sees.
 */
import { AlreadyBootstrappedError, InvalidNameError, NotStartedError, RegistryClosedError, RegistryUnavailableError, TokenNotFoundError, UnitExistsError, UnitNotFoundError } from '../registry/index.js';
import { InvalidUnitNameError, UnitParseError, UnitPutRejectedError, UnitValidationError } from '../units/index.js';
import { RolloutRejectedError } from '../rollout/index.js';
import { LocalCommandError, LocalCommandsBusyError } from './local-commands.js';
import { InvalidPageTokenError } from './pagination.js';

/** fleet's message while etcd cannot be reached. */
export const ETCD_UNAVAILABLE_MESSAGE = 'fleet server unable to communicate with etcd';

/** A request failure with its HTTP status and the message for `{"error":{...}}`. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** Extra response headers (e.g. `X-Fleet-Machine-ID` on a 409 naming the machine). */
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/**
 * Translates any thrown value into an {@link ApiError}:
 * unavailable/closed registry ⇒ 503 (fleet's message); a bulk write not
 * started (its request's deadline passed) ⇒ 503 saying so; bad page token,
 * invalid unit name, options or registry name ⇒ 400; a PUT the unit
 * policy refuses ⇒ 400 (invalid request) or 409 (conflicts with what is
 * stored); unknown unit ⇒ 404
 * `unit does not exist`; unit created concurrently ⇒ 409; a local command
 * that could not start ⇒ 500 saying so; anything else ⇒
 * 500 with an empty message (as fleet: internals are logged, not sent).
 * `internal` is true for the 500 case, so the caller logs it.
 */
export function toApiError(err: unknown): { error: ApiError; internal: boolean } {
  if (err instanceof ApiError) return { error: err, internal: false };
  const e = translate(err);
  return e === undefined ? { error: new ApiError(500, ''), internal: true } : { error: e, internal: false };
}

function translate(err: unknown): ApiError | undefined {
  if (err instanceof RegistryUnavailableError || err instanceof RegistryClosedError) return new ApiError(503, ETCD_UNAVAILABLE_MESSAGE);
  if (err instanceof NotStartedError) return new ApiError(503, err.message);
  if (err instanceof InvalidPageTokenError) return new ApiError(400, err.message);
  if (err instanceof InvalidUnitNameError || err instanceof UnitValidationError || err instanceof UnitParseError) return new ApiError(400, err.message);
  if (err instanceof InvalidNameError) return new ApiError(400, err.message);
  if (err instanceof UnitPutRejectedError) return new ApiError(err.kind === 'conflict' ? 409 : 400, err.message);
  if (err instanceof UnitNotFoundError) return new ApiError(404, 'unit does not exist');
  if (err instanceof UnitExistsError) return new ApiError(409, 'unit already exists');
  if (err instanceof LocalCommandError) return new ApiError(500, err.message);
  if (err instanceof LocalCommandsBusyError) return new ApiError(503, err.message);
  if (err instanceof TokenNotFoundError) return new ApiError(404, 'token does not exist');
  if (err instanceof AlreadyBootstrappedError) return new ApiError(409, err.message);
  if (err instanceof RolloutRejectedError) return new ApiError(err.kind === 'invalid' ? 400 : err.kind === 'absent' ? 404 : 409, err.message);
  return undefined;
}

/**
 * Typed client errors. Both drivers reject with these, so commands turn a
 * failure into one stderr line and an exit code without knowing the driver.
 */

/** Base class of every error a `FleetClient` rejects with. */
export abstract class FleetClientError extends Error {
  /** Stable identifier of the failure kind. */
  abstract readonly code: string;
  /** Whether the same request may succeed if sent again shortly (overload, a dropped connection). */
  get retryable(): boolean {
    return false;
  }
}

/**
 * The API refused a request: `status` is the HTTP status (the etcd driver
 * uses the status the API would have answered), `message` the API's text.
 */
export class ApiError extends FleetClientError {
  readonly code = 'API_ERROR';
  constructor(
    readonly status: number,
    readonly apiMessage: string,
  ) {
    super(apiMessage === '' ? `API error ${status}` : apiMessage);
    this.name = 'ApiError';
  }

  /** 503 (etcd unreachable, overload), 502 and 504 (a proxy in between) are worth another try. */
  override get retryable(): boolean {
    return this.status === 503 || this.status === 502 || this.status === 504;
  }
}

/** The endpoint could not be reached or answered something that is not the fleet API. */
export class TransportError extends FleetClientError {
  readonly code = 'TRANSPORT_ERROR';
  private readonly transient: boolean;
  /** The request went out but no answer came within --request-timeout: the server may still have carried it out. */
  readonly timedOut: boolean;
  /**
   * `transient`: the connection was reset or refused (a restarting or
   * overloaded fleetd), so a retry may work. `timedOut`: see {@link timedOut}.
   */
  constructor(message: string, options?: { cause?: unknown; transient?: boolean; timedOut?: boolean }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TransportError';
    this.transient = options?.transient === true;
    this.timedOut = options?.timedOut === true;
  }

  override get retryable(): boolean {
    return this.transient;
  }
}

/** The client cannot be built from the given flags (bad endpoint URL, unknown driver). */
export class ClientConfigError extends FleetClientError {
  readonly code = 'CLIENT_CONFIG';
  constructor(message: string) {
    super(message);
    this.name = 'ClientConfigError';
  }
}

/**
 * The unit runs on another machine whose own API could not be reached
 * (none published, or the connection failed): `reason` says which.
 */
export class MachineUnreachableError extends FleetClientError {
  readonly code = 'MACHINE_UNREACHABLE';
  constructor(
    readonly machineId: string,
    readonly unitName: string,
    readonly reason: string,
  ) {
    super(`Unit ${unitName} runs on machine ${machineId}, and no API endpoint of that machine is reachable: ${reason}`);
    this.name = 'MachineUnreachableError';
  }
}

/** The unit cannot be found where a remote stream expected it (deleted meanwhile, or not scheduled). */
export class UnitNotRunningError extends FleetClientError {
  readonly code = 'UNIT_NOT_RUNNING';
  constructor(readonly unitName: string) {
    super(`Unit ${unitName} is not scheduled to any machine`);
    this.name = 'UnitNotRunningError';
  }
}

/** Message text of any error, for one stderr line. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

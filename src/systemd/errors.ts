/**
 * Typed systemd-driver errors. Every failure that leaves `src/systemd` is one
 * of these (the D-Bus library's errors are translated once, in
 * `dbus-connection.ts`), so callers branch on `code` / `retryable`, never on
 * message text.
 */
export type SystemdErrorCode =
  | 'SYSTEMD_TIMEOUT'
  | 'SYSTEMD_UNAVAILABLE'
  | 'SYSTEMD_CLOSED'
  | 'SYSTEMD_CALL_FAILED'
  | 'SYSTEMD_CONFIG'
  | 'INVALID_UNIT_NAME'
  | 'UNIT_ENABLE_FAILED'
  | 'UNIT_JOB_FAILED'
  | 'UNIT_FILE_IO';

/** Base class: `code` names the failure, `retryable` says whether the same call may succeed later. */
export abstract class SystemdError extends Error {
  abstract readonly code: SystemdErrorCode;
  abstract readonly retryable: boolean;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/**
 * systemd did not answer a D-Bus call within the call timeout. The call may
 * or may not have taken effect; re-read state before concluding anything.
 */
export class SystemdTimeoutError extends SystemdError {
  readonly code = 'SYSTEMD_TIMEOUT';
  readonly retryable = true;
  constructor(
    readonly method: string,
    readonly timeoutMs: number,
    readonly unitName?: string,
  ) {
    super(`systemd did not answer ${method}${unitName ? ` (${unitName})` : ''} within ${timeoutMs} ms`);
  }
}

/** The bus connection is down (lost, or not yet re-established); the driver reconnects on its own. */
export class SystemdUnavailableError extends SystemdError {
  readonly code = 'SYSTEMD_UNAVAILABLE';
  readonly retryable = true;
  constructor(
    readonly method: string,
    options?: { cause?: unknown },
  ) {
    super(`systemd bus unavailable during ${method}`, options);
  }
}

/** The driver was closed by its owner; no further calls are possible. */
export class SystemdClosedError extends SystemdError {
  readonly code = 'SYSTEMD_CLOSED';
  readonly retryable = false;
  constructor() {
    super('systemd driver closed');
  }
}

/**
 * systemd answered with a D-Bus error, e.g.
 * `org.freedesktop.systemd1.NoSuchUnit` or `...BadUnitSetting`.
 */
export class SystemdCallError extends SystemdError {
  readonly code = 'SYSTEMD_CALL_FAILED';
  readonly retryable = false;
  constructor(
    readonly method: string,
    /** D-Bus error name as sent by systemd. */
    readonly dbusName: string,
    /** systemd's own message, e.g. "Unit x.service not loaded." */
    readonly detail: string,
    readonly unitName?: string,
  ) {
    super(`${method}${unitName ? ` ${unitName}` : ''} failed: ${detail} (${dbusName})`);
  }
}

/** Driver options that cannot be resolved (e.g. user scope without XDG_RUNTIME_DIR). */
export class SystemdConfigError extends SystemdError {
  readonly code = 'SYSTEMD_CONFIG';
  readonly retryable = false;
  constructor(
    readonly option: string,
    reason: string,
  ) {
    super(`systemd driver option ${option}: ${reason}`);
  }
}

/**
 * A unit with an `[Install]` section could not be enabled (runtime), or
 * systemd said it carries no install info. The unit has been removed again,
 * as fleet does.
 */
export class UnitEnableError extends SystemdError {
  readonly code = 'UNIT_ENABLE_FAILED';
  readonly retryable: boolean;
  constructor(
    readonly unitName: string,
    options?: { cause?: unknown },
  ) {
    const cause = options?.cause;
    super(
      `failed to enable systemd unit ${unitName}: ${cause instanceof Error ? cause.message : 'no install info'}`,
      options,
    );
    this.retryable = cause instanceof SystemdError ? cause.retryable : false;
  }
}

/**
 * A job the driver waited for ended with another result than `done`
 * (e.g. `canceled` because a start replaced the stop). Retryable: the next
 * pass sees the unit's new state.
 */
export class UnitJobFailedError extends SystemdError {
  readonly code = 'UNIT_JOB_FAILED';
  readonly retryable = true;
  constructor(
    readonly unitName: string,
    readonly jobType: string,
    /** systemd's JobRemoved result: canceled, timeout, failed, dependency, skipped. */
    readonly result: string,
  ) {
    super(`${jobType} job of ${unitName} ended ${result}`);
  }
}

/** Reading or writing fleet's units directory failed. */
export class UnitFileIoError extends SystemdError {
  readonly code = 'UNIT_FILE_IO';
  readonly retryable = true;
  constructor(
    readonly path: string,
    readonly operation: string,
    options?: { cause?: unknown },
  ) {
    super(`${operation} ${path} failed: ${(options?.cause as Error | undefined)?.message ?? 'unknown'}`, options);
  }
}

/** True when `err` is systemd's "no such unit" answer (unit not loaded / not found). */
export function isNoSuchUnit(err: unknown): boolean {
  return err instanceof SystemdCallError && err.dbusName === 'org.freedesktop.systemd1.NoSuchUnit';
}

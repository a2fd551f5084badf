/**
 * Typed registry errors. Every failure that leaves `src/registry` is one of
 * these (the etcd client's own errors are translated once, in
 * `etcd-errors.ts`), so callers branch on `code` / `retryable`, never on
 * message text.
 */
export type RegistryErrorCode =
  | 'REGISTRY_UNAVAILABLE'
  | 'REGISTRY_CLOSED'
  | 'UNIT_NOT_FOUND'
  | 'UNIT_EXISTS'
  | 'NOT_LEADER'
  | 'LEASE_LOST'
  | 'INVALID_NAME'
  | 'CORRUPT_RECORD'
  | 'WATCH_COMPACTED'
  | 'REGISTRY_INTERNAL'
  | 'DUPLICATE_MACHINE'
  | 'TOKEN_NOT_FOUND'
  | 'ALREADY_BOOTSTRAPPED'
  | 'NOT_STARTED';

/** Base class: `code` names the failure, `retryable` says whether the same call may succeed later. */
export abstract class RegistryError extends Error {
  abstract readonly code: RegistryErrorCode;
  abstract readonly retryable: boolean;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** etcd could not be reached or did not answer in time; nothing can be concluded about the data. Retryable. */
export class RegistryUnavailableError extends RegistryError {
  readonly code = 'REGISTRY_UNAVAILABLE';
  readonly retryable = true;
  constructor(readonly operation: string, options?: { cause?: unknown }) {
    super(`registry unavailable during ${operation}`, options);
  }
}

/** The registry (client) was closed by its owner. */
export class RegistryClosedError extends RegistryError {
  readonly code = 'REGISTRY_CLOSED';
  readonly retryable = false;
  constructor() {
    super('registry closed');
  }
}

/** No unit record exists under that name. */
export class UnitNotFoundError extends RegistryError {
  readonly code = 'UNIT_NOT_FOUND';
  readonly retryable = false;
  constructor(readonly unitName: string) {
    super(`unit ${unitName} does not exist`);
  }
}

/** A create-only write found a unit record already present. */
export class UnitExistsError extends RegistryError {
  readonly code = 'UNIT_EXISTS';
  readonly retryable = false;
  constructor(readonly unitName: string) {
    super(`unit ${unitName} already exists`);
  }
}

/**
 * A leader-fenced write failed its fence: the leader key no longer exists
 * with the create revision (and holder) the writer was elected with. The
 * writer has been deposed and must stop acting; nothing in the batch chunk
 * was applied.
 */
export class NotLeaderError extends RegistryError {
  readonly code = 'NOT_LEADER';
  readonly retryable = false;
  constructor(
    readonly machineId: string,
    readonly leaderCreateRevision: bigint,
    /** Operations of the batch that were applied before the fenced chunk failed (earlier chunks). */
    readonly appliedOps = 0,
  ) {
    super(`not the engine leader (fence ${machineId}@${leaderCreateRevision} failed)`);
  }
}

/** Alias kept for readers who look for the fencing vocabulary. */
export { NotLeaderError as FencingError };

/** A write bound to a lease failed because etcd no longer knows the lease. */
export class LeaseLostError extends RegistryError {
  readonly code = 'LEASE_LOST';
  readonly retryable = false;
  constructor(readonly leaseId: string, options?: { cause?: unknown }) {
    super(`lease ${leaseId} no longer exists`, options);
  }
}

/**
 * A write of a bulk request that was never started because the request was
 * cancelled first (its deadline passed, its client went away): nothing of it
 * was written, so sending it again is safe. Retryable.
 */
export class NotStartedError extends RegistryError {
  readonly code = 'NOT_STARTED';
  readonly retryable = true;
  constructor(readonly reason: string) {
    super(`not started: ${reason}`);
  }
}

/** What an aborted signal's reason says, for a {@link NotStartedError}: an Error's message, a string as is, else `cancelled`. */
export function abortReason(signal: AbortSignal): string {
  const r: unknown = signal.reason;
  if (r instanceof Error && r.name !== 'AbortError') return r.message;
  return typeof r === 'string' && r !== '' ? r : 'cancelled';
}

/** A unit name, machine id or metadata key cannot be used in a key (it could escape its prefix). */
export class InvalidNameError extends RegistryError {
  readonly code = 'INVALID_NAME';
  readonly retryable = false;
  constructor(readonly kind: string, readonly value: string, readonly reason: string) {
    super(`invalid ${kind} ${JSON.stringify(value)}: ${reason}`);
  }
}

/** A value in etcd does not decode into the record its key promises. */
export class CorruptRecordError extends RegistryError {
  readonly code = 'CORRUPT_RECORD';
  readonly retryable = false;
  constructor(readonly key: string, readonly reason: string) {
    super(`corrupt record at ${key}: ${reason}`);
  }
}

/** A watch asked to start at a revision etcd has already compacted away; re-list instead. */
export class WatchCompactedError extends RegistryError {
  readonly code = 'WATCH_COMPACTED';
  readonly retryable = false;
  constructor(readonly requestedRevision: bigint, readonly compactRevision: bigint) {
    super(`watch from revision ${requestedRevision} is older than compaction at ${compactRevision}`);
  }
}

/** An unexpected failure (bug or protocol surprise); carries the original error as `cause`. */
export class RegistryInternalError extends RegistryError {
  readonly code = 'REGISTRY_INTERNAL';
  readonly retryable = false;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** True when `err` is a registry error whose operation may succeed if retried later. */
export function isRetryable(err: unknown): boolean {
  return err instanceof RegistryError && err.retryable;
}

/**
 * Another fleetd (a different host instance) holds a live registration under
 * the same machine id. Registering anyway would let two agents act on one
 * schedule, so the newcomer waits until that registration is gone.
 * Retryable: the other host may leave or its lease may expire.
 */
export class DuplicateMachineError extends RegistryError {
  readonly code = 'DUPLICATE_MACHINE';
  readonly retryable = true;
  constructor(
    readonly machineId: string,
    readonly otherPublicIP: string,
  ) {
    super(
      `machine id ${machineId} is already registered by another fleetd${otherPublicIP ? ` (public IP ${otherPublicIP})` : ''}; ` +
        'every host needs a distinct /etc/machine-id (or machine_id). Waiting for that registration to go away',
    );
  }
}

/** No API token with that id exists (never created, or revoked). */
export class TokenNotFoundError extends RegistryError {
  readonly code = 'TOKEN_NOT_FOUND';
  readonly retryable = false;
  constructor(readonly tokenId: string) {
    super(`token ${tokenId} does not exist`);
  }
}

/** The cluster's first admin token was created before; bootstrap works once per cluster. */
export class AlreadyBootstrappedError extends RegistryError {
  readonly code = 'ALREADY_BOOTSTRAPPED';
  readonly retryable = false;
  constructor() {
    super('this cluster has already been bootstrapped: create further tokens with an admin token (fleetctl token create)');
  }
}

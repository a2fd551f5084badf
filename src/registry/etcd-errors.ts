import {
  ClientClosedError,
  EtcdLeaseInvalidError,
  GRPCCancelledError,
  GRPCDeadlineExceededError,
  GRPCInternalError,
  GRPCResourceExhastedError,
  GRPCUnavailableError,
  GRPCUnknownError,
  EtcdWatchStreamEnded,
  isRecoverableError,
} from 'etcd3';
import { LeaseLostError, RegistryClosedError, RegistryError, RegistryInternalError, RegistryUnavailableError } from './errors.js';

/**
 * The one place where etcd3/gRPC errors become registry errors. Anything that
 * means "we could not talk to etcd" (connection refused, deadline, stream
 * reset, circuit open) is `RegistryUnavailableError` (retryable): the caller
 * learnt nothing about the data. A missing lease is `LeaseLostError`.
 * Registry errors pass through unchanged; the rest is `RegistryInternalError`.
 */
export function translateEtcdError(err: unknown, operation: string, leaseId?: string): RegistryError {
  if (err instanceof RegistryError) return err;
  if (err instanceof ClientClosedError) return new RegistryClosedError();
  if (err instanceof EtcdLeaseInvalidError) return new LeaseLostError(leaseId ?? '?', { cause: err });
  if (
    err instanceof GRPCUnavailableError ||
    err instanceof GRPCDeadlineExceededError ||
    err instanceof GRPCCancelledError ||
    err instanceof GRPCInternalError ||
    err instanceof GRPCResourceExhastedError ||
    err instanceof EtcdWatchStreamEnded ||
    (err instanceof Error && isRecoverableError(err))
  ) {
    return new RegistryUnavailableError(operation, { cause: err });
  }
  const message = err instanceof Error ? err.message : String(err);
  // A few transient server conditions arrive as GRPCUnknownError with a message only.
  if (
    err instanceof GRPCUnknownError ||
    /etcdserver: (leader changed|no leader|request timed out|too many requests|server stopped)|BrokenCircuit|circuit|ECONNREFUSED|ECONNRESET|No connection established/i.test(message)
  ) {
    return new RegistryUnavailableError(operation, { cause: err });
  }
  return new RegistryInternalError(`etcd ${operation} failed: ${message}`, { cause: err });
}

/**
 * Whether this fleetd may answer for the cluster. A fleetd that could not
 * join (another live host holds its machine id) must not look like a
 * healthy member: while it is refused, every API request except `/metrics`
 * and `/health` answers 503 with the reason, and `/health` reports it.
 */
import { ApiError } from './errors.js';
import type { Middleware } from './middleware.js';
import { json, type Reply } from './reply.js';

/** Resources (route names) that answer even while this fleetd is refused. */
const ALWAYS_SERVED: ReadonlySet<string> = new Set(['metrics', 'health']);

/** The switch the composition root flips; shared by every listener. */
export class ApiAvailability {
  private reason: string | undefined;

  /** Why the API refuses to serve, or undefined while it serves. */
  get refusal(): string | undefined {
    return this.reason;
  }

  /** Makes the API answer 503 with `reason` (e.g. the duplicate machine id and the other host's IP). */
  refuse(reason: string): void {
    this.reason = reason;
  }

  /** Serves normally again. */
  accept(): void {
    this.reason = undefined;
  }
}

/**
 * The chain stage that refuses while this fleetd is refused: every route
 * but `/metrics` and `/health` (and unknown paths) answers 503 with the
 * refusal, before authentication. Throws {@link ApiError} 503.
 */
export function refuseWhileUnavailable(availability: ApiAvailability): Middleware {
  return (rc, next) => {
    const refusal = availability.refusal;
    if (refusal !== undefined && !ALWAYS_SERVED.has(rc.route.resource)) throw new ApiError(503, refusal);
    return next();
  };
}

/**
 * `GET /health`: 200 `{"status":"ok","machineId":...}` while this fleetd
 * serves, 503 `{"status":"unavailable","machineId":...,"reason":...}` while
 * it is refused. Reads no registry (a load balancer may poll it). Never throws.
 */
export async function health(availability: ApiAvailability, machineId: string): Promise<Reply> {
  const refusal = availability.refusal;
  return refusal === undefined
    ? json(200, { status: 'ok', machineId })
    : json(503, { status: 'unavailable', machineId, reason: refusal });
}

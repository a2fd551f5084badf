/** Typed errors of rollouts; the API turns `kind` into 400 (invalid) / 404 (absent) / 409 (conflict), fleetctl prints `message`. */
export class RolloutRejectedError extends Error {
  readonly code = 'ROLLOUT_REJECTED';
  constructor(
    /** `invalid`: the request itself is wrong; `absent`: the group or rollout does not exist; `conflict`: it does not fit what is stored. */
    readonly kind: 'invalid' | 'absent' | 'conflict',
    /** The group (template or unit name) the request was for. */
    readonly group: string,
    message: string,
  ) {
    super(message);
    this.name = 'RolloutRejectedError';
  }
}

/**
 * What every command receives: the cluster client, the output, the wait
 * pacing and a cancellation signal. No globals: `main.ts` builds one.
 */
import type { FleetClient } from './client/types.js';
import type { Output } from './output/io.js';
import type { WaitTiming } from './wait/timing.js';

/** A command's world. */
export interface CommandContext {
  readonly client: FleetClient;
  readonly out: Output;
  readonly timing: WaitTiming;
  /** Aborts on Ctrl-C (ends `journal --follow`, stops waits). */
  readonly signal?: AbortSignal;
}

/** Exit codes fleetctl uses. */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;

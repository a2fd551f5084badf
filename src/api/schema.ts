/**
 * fleet API v1 wire entities (JSON field names exactly as fleet's
 * schema/v1.json; empty fields are omitted, as Go's `omitempty` did).
 * Both the API server and fleetctl's HTTP client speak these types.
 */

import type { DesiredState } from '../domain/index.js';
import type { ResourcesView } from '../resources/machine.js';

/**
 * Ours: the request header in which a client says how long it waits for the
 * answer, in whole milliseconds (fleetctl: its `--request-timeout`). A unit
 * batch (`POST /units`) stops starting writes after half of it and answers
 * the rest 503 (`src/api/batch-deadline.ts`).
 */
export const REQUEST_TIMEOUT_HEADER = 'X-Fleet-Request-Timeout-Ms';

export interface ApiUnitOption {
  section: string;
  name: string;
  /** Omitted when empty. */
  value?: string;
}

export interface ApiUnit {
  name: string;
  options?: ApiUnitOption[];
  desiredState?: DesiredState;
  /** Derived: `inactive` (not scheduled or no report), `loaded` or `launched`. */
  currentState?: DesiredState;
  /** The machine a non-global unit is scheduled to. */
  machineID?: string;
  /** Not in fleet's schema: the unit's `[X-Fleet] Priority=`; present only when the unit sets it. */
  priority?: number;
  /** Not in fleet's schema: `true` for a global unit, only in listings asked for without options (`GET /units?options=false`). */
  global?: boolean;
}

export interface ApiUnitState {
  name: string;
  /** Full 40-hex content hash of the unit the machine runs. */
  hash?: string;
  machineID?: string;
  systemdLoadState?: string;
  systemdActiveState?: string;
  systemdSubState?: string;
}

export interface ApiMachine {
  id: string;
  primaryIP?: string;
  metadata?: Record<string, string>;
  /** Not in fleet's schema: where this machine's own fleetd API answers (for status/journal). */
  apiEndpoint?: string;
  /** Not in fleet's schema: capacity, reserved, allocatable and allocated per resource (cores, bytes, counts). */
  resources?: ResourcesView;
}

export interface ApiUnitPage {
  units?: ApiUnit[];
  nextPageToken?: string;
}

export interface ApiUnitStatePage {
  states?: ApiUnitState[];
  nextPageToken?: string;
}

export interface ApiMachinePage {
  machines?: ApiMachine[];
  nextPageToken?: string;
}

/** `{"error":{"code":404,"message":"unit does not exist"}}` */
export interface ApiErrorBody {
  error: { code: number; message: string };
}

/** One operation of `PATCH /fleet/v1/machines` (value nested as fleet's server expects). */
export interface ApiMachineMetadataOp {
  op: 'add' | 'replace' | 'remove';
  path: string;
  value?: { value: string };
}

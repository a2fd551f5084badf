/**
 * What fleetctl's commands need from a cluster, independent of how it is
 * reached (HTTP API v1 or straight to etcd). Both implementations present the
 * same derived view, so a command prints the same lines with either driver.
 */
import type { RolloutControl, RolloutRecord, RolloutSettingsInput } from '../../src/rollout/index.js';
import type { UnitExplanation } from '../../src/engine/explain.js';
import type { ApplySet, DesiredState } from '../../src/domain/index.js';
import type { ResourcesView } from '../../src/resources/index.js';
import type { UnitOption } from '../../src/units/index.js';
import type { Role, TokenInfo } from '../../src/auth/index.js';
import type { FleetEvent } from '../../src/events/index.js';


/** A unit as the API shows it. */
export interface FleetUnit {
  readonly name: string;
  /** Options in canonical order; an empty value is `''` (the wire omits it). */
  readonly options: readonly UnitOption[];
  readonly desiredState: DesiredState;
  /**
   * Derived state: `inactive` unless scheduled and reported by its machine,
   * then `loaded` or `launched`. Undefined for a single global unit (the API
   * leaves it empty, as fleet did).
   */
  readonly currentState?: DesiredState;
  /** The machine a non-global unit is scheduled to; undefined when unscheduled or global. */
  readonly machineId?: string;
}

/**
 * A unit as a listing without unit files shows it (`GET /units?options=false`):
 * names, states, targets and whether it is global, for the lists that show
 * nothing else (`list-unit-files --fields=unit`, as shell completion asks).
 */
export interface FleetUnitSummary extends Omit<FleetUnit, 'options'> {
  readonly global: boolean;
}

/** A present machine. */
export interface FleetMachine {
  readonly id: string;
  /** Undefined when the machine announced none. */
  readonly primaryIP?: string;
  /** Merged metadata (configured + dynamic). */
  readonly metadata: Readonly<Record<string, string>>;
  /**
   * URL of this machine's own fleet API (`http://10.0.0.3:49153`), used to
   * reach the fleetd that runs a unit for `status`/`journal`. Undefined when
   * the machine publishes none (fleet never did; it is our addition).
   */
  readonly apiEndpoint?: string;
  /** Capacity, reserved, allocatable and allocated per resource; undefined when the machine publishes none (older fleetd). */
  readonly resources?: ResourcesView;
}

/** systemd's view of a unit on one machine. */
export interface FleetUnitState {
  readonly name: string;
  readonly machineId: string;
  /** Full content hash of the unit body the machine runs; '' when unknown. */
  readonly hash: string;
  readonly loadState: string;
  readonly activeState: string;
  readonly subState: string;
}

/** Narrows {@link FleetClient.listUnitStates}; absent fields match everything. */
export interface StateFilter {
  readonly unitName?: string;
  readonly machineId?: string;
}

/** Options of {@link FleetClient.journal}, as `journalctl` takes them. */
export interface JournalOptions {
  /** `-n`: how many recent lines. */
  readonly lines: number;
  /** `--output` mode (`short`, `json`, `cat`, ...). */
  readonly output: string;
  /** `-f`: keep streaming until aborted. */
  readonly follow: boolean;
}

/** Where a remote command's output goes, and how to stop it. */
export interface StreamTarget {
  /** Receives the command's output as it arrives. */
  write(chunk: string | Uint8Array): void;
  /** Stops the stream (journal --follow); the call then resolves with exit code 0. */
  readonly signal?: AbortSignal;
  /**
   * For a global unit: the machine whose copy to ask about. Undefined: the
   * machine the unit is scheduled to.
   */
  readonly machineId?: string;
}

/** What `fleetctl events` asks for (see `GET /fleet/v1/events`). */
export interface EventsQuery {
  /** Type patterns (`unit.*`); empty: every type. */
  readonly types: readonly string[];
  /** Unit-name glob. */
  readonly unit?: string;
  readonly machine?: string;
  /** First revision (inclusive); undefined: from now on (follow) or the recent history. */
  readonly from?: bigint;
  /** Keep streaming until aborted (true) or end after the history. */
  readonly follow: boolean;
}

/** Where events go, and how to stop following. */
export interface EventsTarget {
  onEvent(event: FleetEvent): void;
  /** Ends a follow; the call then resolves. */
  readonly signal?: AbortSignal;
}

/** A token just created: its public fields plus the bearer text, which is shown this once. */
export interface IssuedToken extends TokenInfo {
  /** `<id>.<secret>`: what clients send as `Authorization: Bearer ...`. */
  readonly token: string;
}

/** One item of {@link FleetClient.writeUnits}: a PUT (body and/or desired state, as `putUnit`/`setDesiredState`) or a destroy. */
export type UnitWriteRequest =
  | { readonly kind: 'put'; readonly name: string; readonly options: readonly UnitOption[]; readonly desiredState?: DesiredState; readonly applySet?: string }
  | { readonly kind: 'destroy'; readonly name: string };

/**
 * The cluster, as commands see it. Every method rejects with a
 * `FleetClientError` subclass (see `errors.ts`) so commands can print one
 * message per failure.
 */
export interface FleetClient {
  /** All units, sorted by name. */
  listUnits(): Promise<FleetUnit[]>;
  /** All units without their unit files, sorted by name (a fraction of the bytes and work of {@link listUnits}). */
  listUnitSummaries(): Promise<FleetUnitSummary[]>;
  /** One unit; undefined when it does not exist. */
  getUnit(name: string): Promise<FleetUnit | undefined>;
  /**
   * Creates the unit, or replaces the body of an existing one (new hash, same
   * name). `desiredState` undefined: `inactive` for a new unit, unchanged for
   * an existing one (the agent swaps a running unit to the new body).
   * `applySet`: when this call creates the unit, record it as a member of
   * that apply set in the same write (`fleetctl apply`); ignored for an
   * existing unit. Rejects with `ApiError` (400) for an invalid name,
   * options or set name. Both drivers decide by the shared unit PUT policy
   * (`src/units/put-policy.ts`).
   */
  putUnit(name: string, options: readonly UnitOption[], desiredState?: DesiredState, applySet?: string): Promise<void>;
  /**
   * Sets the desired state. A missing instance whose template is stored is
   * created from the template. Rejects with `ApiError` 409 for another
   * missing unit, 400 for activating a template.
   */
  setDesiredState(name: string, state: DesiredState): Promise<void>;
  /** Deletes the unit (and its apply-set membership); rejects with `ApiError` 404 when it does not exist. */
  destroyUnit(name: string): Promise<void>;
  /**
   * Many {@link FleetClient.putUnit} / {@link FleetClient.setDesiredState} /
   * {@link FleetClient.destroyUnit} calls in few requests (bulk commands),
   * each with the meaning and the errors of its own call. `onResult` sees
   * every item's outcome (undefined = done, else the error its own call
   * would have rejected with) in item order, as soon as it and every earlier
   * one are known. Never rejects for one item's failure.
   */
  writeUnits(items: readonly UnitWriteRequest[], onResult?: (error: unknown, index: number) => void): Promise<unknown[]>;
  /**
   * Every apply set and the units it created that still exist, sorted.
   * Rejects with `ApiError` 404 saying so when the server has no apply sets
   * (an older fleetd).
   */
  listApplySets(): Promise<ApplySet[]>;
  /** Present machines, sorted by id. */
  listMachines(): Promise<FleetMachine[]>;
  /** Unit states, sorted by unit name then machine id. */
  listUnitStates(filter?: StateFilter): Promise<FleetUnitState[]>;
  /**
   * Why an unscheduled unit has no machine (`0 of 3 machines eligible: ...`),
   * or undefined when the cluster cannot tell (yet). Never rejects: an
   * explanation is a courtesy.
   */
  explain(name: string): Promise<string | undefined>;
  /**
   * The API's whole explain document for the unit (status, machines,
   * message, the engine's per-filter counts), or undefined when the unit
   * does not exist (or the server has no explain resource).
   * Rejects with the client's error when the cluster cannot be read.
   */
  explanation(name: string): Promise<UnitExplanation | undefined>;
  /**
   * Streams `systemctl status` of the unit from the fleetd of the machine
   * that runs it. Resolves with that command's exit code. Rejects with
   * `MachineUnreachableError` when no API of that machine can be reached.
   */
  status(name: string, target: StreamTarget): Promise<number>;
  /** Streams the unit's journal like `status`; resolves with `journalctl`'s exit code. */
  journal(name: string, options: JournalOptions, target: StreamTarget): Promise<number>;
  /** The placement policy in force (every field; `problem` when the stored one cannot be used). */
  getPolicy(): Promise<Record<string, unknown>>;
  /** Validates and replaces the placement policy; resolves with it as stored. Rejects with `InvalidPolicyError` / `ApiError` 400 naming every problem. */
  setPolicy(document: unknown): Promise<Record<string, unknown>>;
  /**
   * Starts a rollout of `name` (a template or unit) to the unit file
   * `options`; absent settings come from its `[X-Fleet]`, then the defaults.
   * Resolves with the pending rollout. Rejects with `ApiError` 400 / 404 /
   * 409 naming the problem (both drivers decide by `src/rollout/create.ts`).
   */
  createRollout(name: string, options: readonly UnitOption[], settings: RolloutSettingsInput): Promise<RolloutRecord>;
  /** Every rollout, sorted by group. */
  listRollouts(): Promise<RolloutRecord[]>;
  /** The rollout of `group`; undefined when there is none. */
  getRollout(group: string): Promise<RolloutRecord | undefined>;
  /** Pauses, resumes or undoes the rollout of `group`; resolves with it as stored. Rejects with `ApiError` 404 / 409. */
  controlRollout(group: string, control: RolloutControl): Promise<RolloutRecord>;
  /**
   * Creates the cluster's first admin token; works once per cluster and only
   * through a fleetd's local unix socket. Rejects with `ApiError` 409 when
   * the cluster was bootstrapped before, `ClientConfigError` for an
   * endpoint that is not a unix socket.
   */
  bootstrapAuth(): Promise<IssuedToken>;
  /** Creates a token (admin); `ttlMs` undefined = no expiry. */
  createToken(name: string, role: Role, ttlMs?: number): Promise<IssuedToken>;
  /** Every token's public fields, sorted by name then id (admin). */
  listTokens(): Promise<TokenInfo[]>;
  /** Revokes a token (admin); rejects with `ApiError` 404 when there is none with that id. */
  revokeToken(id: string): Promise<void>;
  /**
   * The cluster's events, in revision order, to `target` until the history
   * is sent (no follow) or the signal aborts. Rejects with `ApiError` 400 for
   * a bad filter, 410 when `from` was compacted (also when it happens
   * mid-stream), 503 when the fleetd has no stream left.
   */
  events(query: EventsQuery, target: EventsTarget): Promise<void>;
  /** Releases connections. */
  close(): Promise<void>;
}

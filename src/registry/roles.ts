/**
 * What each component may ask of the registry — one small interface per
 * role instead of one interface every consumer depends on. Implemented once
 * over a `KvBackend` (`engine-registry.ts`, `agent-registry.ts`,
 * `api-registry.ts`), so the etcd and in-memory registries behave the same.
 *
 * Every method rejects only with `RegistryError`s; `RegistryUnavailableError`
 * (retryable) means nothing can be concluded about the data.
 */
import type { RegistryChange, RegistryEvent } from './events.js';
import type { DuplicateMachineError } from './errors.js';
import type { ResyncReason, Subscription } from './kv.js';
import type { LeaseEvents } from './lease.js';
import type { BodyReferenceView, CollectableBody, UnitUpgradeReport } from './bodies.js';
import type { ListenerErrorHandler, TypedEmitter } from './emitter.js';
import type { AnomalyRecord, MachineRecord, ScheduleEntry, UnitRecord, UnitStateRecord, UnitWithText, UnplacedRecord } from './records.js';
import type { ApplySet, DesiredState } from '../domain/index.js';
import type { RolloutRecord } from '../rollout/types.js';

export type { Subscription } from './kv.js';

/**
 * Everything the engine decides from, read at one revision. Lists are sorted
 * (see each field). Unit states are deliberately absent: placement does not
 * depend on them and they are the largest directory (the API reads them
 * with `ApiRegistry.listStates`).
 */
export interface ClusterSnapshot {
  /** The store revision the snapshot was read at; watch from `revision + 1`. */
  readonly revision: bigint;
  /** By name. */
  readonly units: readonly UnitRecord[];
  /** Unit name -> desired state. A unit without an entry counts as `inactive`. */
  readonly desired: ReadonlyMap<string, DesiredState>;
  /** Machines present (lease alive), by id, metadata as announced (see `machineMetadata`). */
  readonly machines: readonly MachineRecord[];
  /** The placement policy document as stored; undefined when none is set. */
  readonly policy?: string;
  /** Machine id -> dynamic metadata (key -> value, '' = deleted); merge with `mergeMetadata`. */
  readonly machineMetadata: ReadonlyMap<string, ReadonlyMap<string, string>>;
  /** By machine id, then unit name. */
  readonly schedule: readonly ScheduleEntry[];
  /** Content hash -> revision its body was written at (bodies never change); what the body collector judges. */
  readonly bodies: ReadonlyMap<string, bigint>;
  /** Rollout records, by group (absent in snapshots built by hand: none). */
  readonly rollouts?: readonly StoredRollout[];
}

/** Receives changes after a listed revision. */
export interface RegistryWatchListener<E = RegistryEvent> {
  /** Decoded changes of one or more consecutive revisions, in order. */
  onEvents(events: readonly E[]): void;
  /** The watch ended with a gap (compaction, cancel): re-list, then watch again. */
  onResync(reason: ResyncReason): void;
  /** Connection lost (`false`) / back (`true`); the watch resumes by itself without a gap. */
  onConnection?(connected: boolean): void;
}

/**
 * One schedule change made by the engine leader. `reason` (the scheduler's,
 * for a schedule/unschedule decision) is written into the entry (a put) or
 * `engine/decisions` (a delete); refreshes of kept entries carry none.
 */
export type ScheduleOp =
  | { readonly type: 'put'; readonly entry: ScheduleEntry; readonly reason?: string }
  | { readonly type: 'delete'; readonly machineId: string; readonly name: string; readonly reason?: string };

/** One change to the engine's unplaced records. */
export type UnplacedOp = { readonly type: 'put'; readonly record: UnplacedRecord } | { readonly type: 'delete'; readonly name: string };

/** Proof of leadership carried by every engine write (from `LeaderElection.fence()`). */
export interface LeaderFence {
  /** The leader's machine id (the election key's value). */
  readonly machineId: string;
  /** Create revision of the election key when this leader created it. */
  readonly createRevision: bigint;
}

/**
 * The engine's view: what placement depends on (units, desired states,
 * machines, dynamic metadata, the schedule), consistently, plus fenced
 * schedule writes. Unit states and the leader key are not part of it.
 */
export interface EngineRegistry {
  /** Lists units, desired states, machines, dynamic metadata, the schedule and the bodies' hashes at one revision (not unit states). */
  snapshot(): Promise<ClusterSnapshot>;
  /**
   * Watches the same directories as {@link EngineRegistry.snapshot} from
   * `fromRevision` (inclusive), decoded into {@link RegistryEvent}s. `state`
   * and `leader` events are never delivered (state events are the busiest
   * traffic at scale and the engine has no use for them). Each directory is
   * its own etcd watch: every event arrives exactly once and events of one
   * key (one directory) in revision order, but events of different
   * directories may interleave out of revision order, and a transaction
   * touching two directories arrives in two calls. Fine for a per-key cache
   * like the engine's; a resync of any directory ends the whole watch.
   */
  watchCluster(fromRevision: bigint, listener: RegistryWatchListener): Subscription;
  /**
   * Applies schedule puts/deletes, each chunk of at most `maxOpsPerTxn` in one
   * transaction fenced on `fence`. A put's reason is stored in its entry; a
   * chunk with reasons for deletes also puts `engine/decisions` (them) in
   * the same transaction, so the event stream learns why at no extra
   * request or revision. Rejects with `NotLeaderError` (carrying how
   * many ops earlier chunks applied) when the fence no longer holds; no op of
   * the failed chunk or later is applied. An empty batch is a no-op.
   */
  applySchedule(ops: readonly ScheduleOp[], fence: LeaderFence): Promise<void>;
  /** Every unplaced record the engine published (by any leader), by name; undecodable ones are left out. */
  listUnplaced(): Promise<UnplacedRecord[]>;
  /** Records an anomaly the leader detected (`engine/anomaly`, overwriting the last), fenced; resolves with the revision written; rejects with `NotLeaderError`. */
  recordAnomaly(record: AnomalyRecord, fence: LeaderFence): Promise<bigint>;
  /** Stores what the anomaly detectors remember (an opaque document), fenced on leadership. Throws `NotLeaderError` when no longer leader. */
  saveAnomalyMemory(document: string, fence: LeaderFence): Promise<void>;
  /** The anomaly detectors' memory as the last leader stored it; undefined when none was. */
  loadAnomalyMemory(): Promise<string | undefined>;
  /** Writes unplaced records, fenced and chunked like {@link EngineRegistry.applySchedule}. */
  applyUnplaced(ops: readonly UnplacedOp[], fence: LeaderFence): Promise<void>;
  /**
   * Rewrites unit records written before bodies existed in the current
   * format and creates their bodies; each record only if unchanged since
   * read (a concurrent write wins and is counted as `raced`).
   */
  upgradeUnitRecords(): Promise<UnitUpgradeReport>;
  /**
   * Deletes bodies judged unreferenced from a view of unit records and
   * schedule entries complete up to `view`, fenced on `fence`, and only
   * while nothing under `units/` or `schedule/` was written since and each
   * body is the one seen. `complete: false` means the view was outdated and
   * the rest was left alone: retry when it caught up. Rejects with
   * `NotLeaderError` when the fence no longer holds.
   */
  deleteBodies(bodies: readonly CollectableBody[], view: BodyReferenceView, fence: LeaderFence): Promise<{ deleted: number; complete: boolean }>;
  /** The text of body `hash`; undefined when it does not exist. */
  getBody(hash: string): Promise<string | undefined>;
  /** State reports of the units of rollout group `group` (the unit, or a template and its instances), sorted by key. */
  listGroupStates(group: string): Promise<UnitStateRecord[]>;
  /**
   * Writes `units` (records with their bodies, in fenced chunks), then the
   * rollout record, fenced and only if it is still at `expectedModRevision`.
   * @returns the revision the record was written at; undefined when the
   *   record had changed (an operator's request: re-read and step again).
   * @throws NotLeaderError when the fence no longer holds.
   */
  writeRollout(record: RolloutRecord, units: readonly UnitWithText[], expectedModRevision: bigint, fence: LeaderFence): Promise<bigint | undefined>;
}

/** A machine's presence: its record kept alive on its lease. */
export interface MachinePresence extends TypedEmitter<PresenceEvents> {
  /** The announcing machine. */
  readonly machineId: string;
  /** The current lease id (changes when the lease is lost and re-granted). */
  readonly leaseId: string;
  /** Replaces the machine record (same lease). */
  update(record: MachineRecord): Promise<void>;
  /**
   * Stops keepalives. `graceful` (default true) revokes the lease, deleting
   * the machine record and every state published on it; otherwise they
   * expire after the TTL.
   */
  stop(options?: { graceful?: boolean }): Promise<void>;
}

/** Events of a {@link MachinePresence}. */
export interface PresenceEvents extends LeaseEvents {
  /**
   * The lease had been lost (expired while etcd was unreachable, or revoked)
   * and a new lease now carries the machine record again. Everything written
   * on the old lease (unit states) is gone: republish it on `leaseId`.
   */
  reregistered(leaseId: string): void;
  /** Another fleetd holds a live registration under this machine id; registration is retried until it is gone. */
  duplicate(error: DuplicateMachineError): void;
}

/** Options of {@link AgentRegistry.announce}. */
export interface AnnounceOptions {
  readonly ttlSeconds: number;
  /** Aborting stops the registration attempts. */
  readonly signal?: AbortSignal;
  /**
   * Called each time registration is refused because another fleetd holds a
   * live registration under the same machine id (it is retried until gone);
   * later refusals (after a lost lease) are `duplicate` events.
   */
  readonly onDuplicate?: (error: DuplicateMachineError) => void;
  /** Told when a listener of the presence (or its lease) throws; default a process warning. */
  readonly onListenerError?: ListenerErrorHandler;
}

/** The agent's view: its own presence, its own schedule, the units it runs, its state reports. */
export interface AgentRegistry {
  /**
   * Grants a lease of `ttlSeconds`, puts the machine record on it and keeps it
   * alive until stopped. Retries while etcd is unavailable (until `signal`
   * aborts); rejects only on a non-retryable error or abort.
   */
  announce(record: MachineRecord, options: AnnounceOptions): Promise<MachinePresence>;
  /**
   * The registry's epoch (`epoch`): a random id, created by this call when
   * absent. A different or newly created epoch after the agent saw one
   * means the registry was reset (etcd wiped).
   */
  registryEpoch(): Promise<string>;
  /** This machine's schedule entries, sorted by unit name, and the revision read at. */
  listSchedule(machineId: string): Promise<{ entries: ScheduleEntry[]; revision: bigint }>;
  /** Watches only `schedule/<machineId>/` from `fromRevision` (inclusive). */
  watchSchedule(machineId: string, fromRevision: bigint, listener: RegistryWatchListener): Subscription;
  /** The placement policy document as stored (undefined: none), and the revision read at; agents read its `enforce`. */
  readPolicy(): Promise<{ document: string | undefined; revision: bigint }>;
  /** Watches only the `policy` key from `fromRevision` (inclusive): `policy` events. */
  watchPolicy(fromRevision: bigint, listener: RegistryWatchListener): Subscription;
  /**
   * The texts the agent must run, fetched by content hash: `wanted` maps
   * unit name -> scheduled hash; the result maps hash -> canonical text
   * (`bodies/<hash>`, or for a unit written by a fleetd older than bodies,
   * the text inline in its record while that record still has the hash).
   * A hash whose body is gone (the unit was replaced and the old body
   * collected) is absent: the engine refreshes the schedule entry.
   */
  getBodies(wanted: ReadonlyMap<string, string>): Promise<Map<string, string>>;
  /**
   * Writes state reports on the presence's current lease, batched. Rejects with
   * `LeaseLostError` if the lease is gone (wait for `reregistered`, then republish).
   */
  publishStates(presence: MachinePresence, states: readonly UnitStateRecord[]): Promise<void>;
  /** Deletes this machine's reports for `names` (other machines' reports are untouched). */
  deleteStates(machineId: string, names: readonly string[]): Promise<void>;
}

/** A unit with its desired state, as the API shows it. */
export interface UnitWithDesired {
  readonly unit: UnitRecord;
  /** `inactive` when no desired state is stored. */
  readonly desired: DesiredState;
}

/** Units and state reports as of `revision`. */
export interface UnitsSnapshot {
  /** Sorted by name. */
  readonly units: UnitWithDesired[];
  /** Sorted by unit name then machine id. */
  readonly states: UnitStateRecord[];
  readonly revision: bigint;
}

/** Machines as announced and their dynamic metadata, as of `revision` (what {@link ApiRegistry.listMachines} merges). */
export interface MachinesSnapshot {
  /** Sorted by id; metadata as the agent announced it (dynamic metadata not merged). */
  readonly machines: MachineRecord[];
  /** Machine id -> dynamic metadata key -> value (`''`: the announced key is removed). */
  readonly dynamic: Map<string, Map<string, string>>;
  readonly revision: bigint;
}

/** Filters for {@link ApiRegistry.listStates}; an absent field matches everything. */
export interface StateFilter {
  readonly names?: readonly string[];
  readonly machineIds?: readonly string[];
}

/** The API's / fleetctl's view: unit CRUD, desired state, read-only cluster listings, dynamic metadata. */
/**
 * One write of {@link ApiRegistry.writeUnits}, with the meaning and the
 * precondition of the one-unit method of the same name.
 */
export type UnitWrite =
  | { readonly kind: 'create'; readonly unit: UnitWithText; readonly desired?: DesiredState; readonly applySet?: string }
  | { readonly kind: 'replace'; readonly unit: UnitWithText; readonly desired?: DesiredState }
  | { readonly kind: 'setDesired'; readonly name: string; readonly desired: DesiredState }
  | { readonly kind: 'destroy'; readonly name: string };

export interface ApiRegistry {
  /**
   * Creates the unit, its body (unless that hash has one) and its desired
   * state atomically, and with `applySet` records the unit as a member of
   * that apply set (`applied/<name>`) in the same transaction; rejects with
   * `UnitExistsError`.
   */
  createUnit(unit: UnitWithText, desired?: DesiredState, applySet?: string): Promise<void>;
  /** Creates or overwrites the unit and adds its body (and sets `desired` when given; a new unit defaults to `inactive`). The old body stays until collected. */
  replaceUnit(unit: UnitWithText, desired?: DesiredState): Promise<void>;
  /** Sets the desired state of an existing unit; rejects with `UnitNotFoundError`. */
  setDesiredState(name: string, desired: DesiredState): Promise<void>;
  /** Deletes the unit, its desired state and its apply-set membership; rejects with `UnitNotFoundError`. Schedule and states are cleaned up by engine and agents. */
  destroyUnit(name: string): Promise<void>;
  /**
   * Many writes in few transactions (each chunk of writes atomic; a chunk
   * whose preconditions do not all hold is retried write by write; so is a
   * chunk whose answer was lost, and a destroy of it that then finds the
   * unit gone counts as made, since that chunk may have committed).
   * Once `signal` is aborted no further chunk is started (chunks already
   * started finish); the writes of the chunks not started get a
   * `NotStartedError` naming the signal's reason.
   * @returns per write, in order: undefined when it was made, else the error
   *   its one-unit method would have thrown (`UnitExistsError`,
   *   `UnitNotFoundError`, unavailable) or `NotStartedError`.
   */
  writeUnits(writes: readonly UnitWrite[], signal?: AbortSignal): Promise<Array<unknown>>;
  /** One unit; undefined when it does not exist. */
  getUnit(name: string): Promise<UnitWithDesired | undefined>;
  /** Several units by name in few reads, in the order of `names`; undefined where one does not exist. */
  getUnits(names: readonly string[]): Promise<Array<UnitWithDesired | undefined>>;
  /** All units, sorted by name. */
  listUnits(): Promise<UnitWithDesired[]>;
  /** Every apply set with its member units (units it created that still exist), sorted by set name; members sorted. Corrupt memberships are skipped (and warned about). */
  listApplySets(): Promise<ApplySet[]>;
  /** Present machines with dynamic metadata merged in, sorted by id. */
  listMachines(): Promise<MachineRecord[]>;
  /** The whole schedule, sorted by machine id then unit name. */
  listSchedule(): Promise<ScheduleEntry[]>;
  /** Why the engine left unit `name` without a machine, as it last published it; undefined when it did not. */
  getUnplaced(name: string): Promise<UnplacedRecord | undefined>;
  /** {@link ApiRegistry.listSchedule} with the revision it was read at (to follow it with {@link ApiRegistry.watchSchedule}). */
  scheduleSnapshot(): Promise<{ entries: ScheduleEntry[]; revision: bigint }>;
  /** Watches the whole `schedule/` directory from `fromRevision` (inclusive); only `schedule` events are delivered. */
  watchSchedule(fromRevision: bigint, listener: RegistryWatchListener): Subscription;
  /**
   * Watches every directory of the cluster (one watch over the prefix, so
   * changes arrive in revision order, a transaction's changes together)
   * from `fromRevision` (inclusive), each with the key's previous value:
   * what the event stream derives from. API tokens are never delivered.
   * `onResync('compacted')` when `fromRevision` is older than etcd's history.
   */
  watchChanges(fromRevision: bigint, listener: RegistryWatchListener<RegistryChange>): Subscription;
  /** The store's current revision (the next change gets a higher one). */
  headRevision(): Promise<bigint>;
  /** Whether etcd's history before `revision` was compacted away (a watch from it would fail); false when the backend cannot tell. */
  isCompacted(revision: bigint): Promise<boolean>;
  /** The placement policy document as stored; undefined when none is set. */
  getPolicy(): Promise<string | undefined>;
  /** Replaces the placement policy document (the caller validates it). */
  setPolicy(document: string): Promise<void>;
  /** State reports, sorted by unit name then machine id. */
  listStates(filter?: StateFilter): Promise<UnitStateRecord[]>;
  /** {@link ApiRegistry.listUnits} and every state report at one revision (to follow them with {@link ApiRegistry.watchChanges}). */
  unitsSnapshot(): Promise<UnitsSnapshot>;
  /** Machines and their dynamic metadata at one revision, unmerged (for a watch-fed view; `listMachines` merges them). */
  machinesSnapshot(): Promise<MachinesSnapshot>;
  /** Sets dynamic metadata (kept when the machine leaves). Empty values are rejected with `RangeError`. */
  setMachineMetadata(machineId: string, key: string, value: string): Promise<void>;
  /** Hides a metadata key (also a configured one), as fleet does, by storing ''. */
  deleteMachineMetadata(machineId: string, key: string): Promise<void>;
  /** Every rollout record (the latest per group), sorted by group; undecodable ones are left out. */
  listRollouts(): Promise<StoredRollout[]>;
  /** The rollout of `group`; undefined when there is none. */
  getRollout(group: string): Promise<StoredRollout | undefined>;
  /**
   * Stores a new rollout record and its new text's body (created if absent)
   * in one transaction, only if the group's record is still the one read
   * (`expectedModRevision`, 0n: none). Resolves false when it was not.
   */
  createRollout(record: RolloutRecord, body: { readonly hash: string; readonly text: string }, expectedModRevision: bigint): Promise<boolean>;
  /** Overwrites a rollout record only if it is still the one read; resolves false when it was not. */
  updateRollout(record: RolloutRecord, expectedModRevision: bigint): Promise<boolean>;
}

/** A rollout record with the revision it was last written at (what a compare-and-set write expects). */
export interface StoredRollout {
  readonly record: RolloutRecord;
  readonly modRevision: bigint;
}

/** Events of a {@link LeaderElection}. */
export interface ElectionEvents {
  /** This candidate became leader; `fence` must accompany every engine write. */
  elected(fence: LeaderFence): void;
  /** This candidate stopped being leader (resigned, key lost, or lease unconfirmed); stop acting now. */
  deposed(reason: string): void;
  /** Keepalive or campaign trouble (warning only). */
  warning(error: Error): void;
}

/** One candidate in the engine-leader election. */
export interface LeaderElection extends TypedEmitter<ElectionEvents> {
  /** Whether this candidate currently leads (and its lease was confirmed within the TTL). */
  readonly isLeader: boolean;
  /** The fence to pass to fenced writes; undefined when not leader. */
  fence(): LeaderFence | undefined;
  /** Starts campaigning (idempotent). Resolves once the first attempt finished, leader or not. */
  start(): Promise<void>;
  /** Gives up leadership (deletes the key if still ours) and campaigns again unless `stop` is set. */
  resign(options?: { stop?: boolean }): Promise<void>;
  /** Stops campaigning and resigns. */
  stop(): Promise<void>;
  /** The current leader's machine id as last observed; undefined when there is none. */
  currentLeader(): string | undefined;
  /**
   * The last other machine this candidate saw leading before it was elected
   * (undefined when it saw none, e.g. it led from the start).
   */
  previousLeader(): string | undefined;
}

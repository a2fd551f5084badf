/**
 * A rollout: one group of units moved from one unit text (content hash) to
 * another, batch by batch, each batch gated on health. The record lives in
 * etcd at `rollouts/<group>` (one per group: the latest), is created by the
 * API (phase `pending`) and from then on advanced only by the engine leader
 * (fenced writes), except for the operator's requests (`paused`,
 * `undoRequested`), which the API sets. Pure data; see `step.ts` for how it
 * moves and `pins.ts` for how it decides which text each target runs.
 */

/**
 * What a rollout moves: every instance of a template (`web@.service`), a
 * global unit across its machines, or one ordinary unit.
 */
export type RolloutKind = 'template' | 'global' | 'unit';

/** How a rollout proceeds (resolved: flags over `[X-Fleet]` over defaults, see `settings.ts`). */
export interface RolloutSettings {
  /** Targets (instances, or machines of a global unit) updated at once; at most this many are ever not healthy because of the rollout. */
  readonly maxParallel: number;
  /** How long a target must stay active/running, continuously, to count as healthy, ms. */
  readonly minHealthyTimeMs: number;
  /** A batch not healthy this long after it started fails the rollout, ms. */
  readonly healthyDeadlineMs: number;
  /** On failure, put the previous text back, batch by batch (otherwise stop where it is). */
  readonly autoRevert: boolean;
}

/**
 * `pending`: created, not yet started by the engine; `running`: update
 * batches; `failed`: stopped after a failed batch (mixed versions stay until
 * `undo`); `reverting`: putting the previous text back; `reverted` and
 * `done`: finished (the group runs one text again).
 */
export type RolloutPhase = 'pending' | 'running' | 'failed' | 'reverting' | 'reverted' | 'done';

/** Phases after which the engine does nothing more (until `undo` of a `done` rollout). */
export const FINISHED_PHASES: ReadonlySet<RolloutPhase> = new Set(['reverted', 'done']);

/**
 * One target's progress. `pending`: runs its previous text, not yet
 * touched; `updating`: switched to the new text, not yet healthy;
 * `healthy`: new text, healthy; `failed`: new text, failed (or not healthy
 * by the deadline); `reverting`: switched back, not yet healthy; `reverted`:
 * back on its previous text and healthy.
 */
export type TargetStatus = 'pending' | 'updating' | 'healthy' | 'failed' | 'reverting' | 'reverted';

/** One thing updated as a unit of work: an instance (template, unit) or a machine (global unit). */
export interface RolloutTarget {
  /** Instance / unit name; for a global unit, the unit. */
  readonly unit: string;
  /** The machine it ran on when the rollout started (identifies the target of a global unit). */
  readonly machine: string;
  /** The text this target ran before the rollout (what a revert puts back). */
  readonly fromHash: string;
  readonly status: TargetStatus;
  /** Index of the last batch that touched it. */
  readonly batch?: number;
  /** Engine time (ms) since which it was seen active/running on the wanted text, without interruption. */
  readonly runningSince?: number;
  /** The agent's timestamp of the state report seen at `runningSince` (a new report while running means it restarted). */
  readonly stateStamp?: number;
  /** Times it was seen leaving active/running (or restarting) during its batch. */
  readonly restarts?: number;
  /** Why it failed. */
  readonly reason?: string;
}

/** A unit record of the group and the hash it had before the rollout (written back on revert). */
export interface RolloutMember {
  readonly unit: string;
  readonly fromHash: string;
}

/** One batch: a set of targets switched together and waited for. */
export interface RolloutBatch {
  readonly index: number;
  readonly kind: 'update' | 'revert';
  /** Target ids (see `targetId`). */
  readonly targets: readonly string[];
  readonly startedAt: number;
  readonly state: 'running' | 'healthy' | 'failed';
  readonly endedAt?: number;
  readonly reason?: string;
}

/** `rollouts/<group>`. */
export interface RolloutRecord {
  /** The group's name: the template (`web@.service`) or the unit. Also the rollout's id in the API. */
  readonly group: string;
  readonly kind: RolloutKind;
  /** The group's text before (the template's or unit's hash when the rollout was created). */
  readonly fromHash: string;
  /** The new text; its body is `bodies/<toHash>`. */
  readonly toHash: string;
  readonly settings: RolloutSettings;
  readonly phase: RolloutPhase;
  /** Operator's pause: no new batch starts (the running one is still judged). */
  readonly paused: boolean;
  /** Operator asked to undo; the engine turns it into `reverting`. */
  readonly undoRequested: boolean;
  /** ms since the epoch. */
  readonly createdAt: number;
  readonly updatedAt: number;
  /** Unit records of the group when it started (filled by the engine). */
  readonly members: readonly RolloutMember[];
  /** Targets in the order they are considered (filled by the engine). */
  readonly targets: readonly RolloutTarget[];
  readonly batches: readonly RolloutBatch[];
  /** What the operator should know (why it failed, what is left). */
  readonly message?: string;
}

/** A target's id: its machine for a global unit, its unit otherwise. */
export function targetId(kind: RolloutKind, t: Pick<RolloutTarget, 'unit' | 'machine'>): string {
  return kind === 'global' ? t.machine : t.unit;
}

/** Every body hash a rollout refers to (its texts and each member's and target's previous one); they must not be collected. */
export function rolloutHashes(r: RolloutRecord): Set<string> {
  const out = new Set([r.fromHash, r.toHash]);
  for (const m of r.members) out.add(m.fromHash);
  for (const t of r.targets) out.add(t.fromHash);
  return out;
}

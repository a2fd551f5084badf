/**
 * The decision to create a rollout (pure): given the new unit text for a
 * group and what is stored, either the new `pending` record or a refusal
 * that names the problem. The API executes it (one transaction: the record
 * and the new body, only if nothing changed since it read); the engine
 * leader then starts it.
 */
import type { UnitRecord } from '../registry/records.js';
import { buildUnit, isGlobalUnit, shortHash, type Unit } from '../units/index.js';
import { RolloutRejectedError } from './errors.js';
import { inGroup, isTemplateGroup } from './group.js';
import { resolveRolloutSettings, type RolloutSettingsInput } from './settings.js';
import { FINISHED_PHASES, type RolloutKind, type RolloutRecord } from './types.js';

/** What a client asks: a new text for a group, and settings (absent ones from `[X-Fleet]`, then defaults). */
export interface RolloutCreateRequest {
  /** The group: a template (`web@.service`) or a unit. */
  readonly group: string;
  /** The new unit file (the unit library's options, any order). */
  readonly unit: Unit;
  readonly settings?: RolloutSettingsInput;
}

/** What is stored that the decision depends on. */
export interface RolloutCreateInputs {
  /** Every stored unit record of the group (the template or unit itself, and instances), any order. */
  readonly members: readonly UnitRecord[];
  /** The group's current rollout record, if any. */
  readonly current: RolloutRecord | undefined;
  /** ms since the epoch. */
  readonly now: number;
}

/**
 * Decides a new rollout.
 * @returns the `pending` record to store.
 * @throws {RolloutRejectedError} `invalid` (bad settings, a text that does
 *   not suit an existing instance, Global= changed), `absent` (nothing of the
 *   group is stored: submit it first), `conflict` (a rollout of the group is
 *   not finished; the text is already the group's).
 */
export function planRolloutCreate(req: RolloutCreateRequest, inputs: RolloutCreateInputs): RolloutRecord {
  const { group, unit } = req;
  if (unit.name !== group) throw new RolloutRejectedError('invalid', group, `unit name ${unit.name} differs from the rollout group ${group}`);
  const settings = resolveRolloutSettings(group, unit.options, req.settings);
  const members = inputs.members.filter((m) => inGroup(group, m.name)).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const template = isTemplateGroup(group);
  const own = members.find((m) => m.name === group);
  const instances = template ? members.filter((m) => m.name !== group) : [];
  if (own === undefined && instances.length === 0) {
    throw new RolloutRejectedError('absent', group, template ? `neither template ${group} nor any instance of it exists; submit it first` : `unit ${group} does not exist; submit it first`);
  }
  const cur = inputs.current;
  if (cur !== undefined && !FINISHED_PHASES.has(cur.phase)) {
    throw new RolloutRejectedError('conflict', group, `a rollout of ${group} is not finished (phase ${cur.phase}${cur.paused ? ', paused' : ''}); wait for it, or undo it first`);
  }
  const fromHash = (own ?? instances[0]!).hash;
  if (members.every((m) => m.hash === unit.hash)) {
    throw new RolloutRejectedError('conflict', group, `nothing to roll out: ${group} already has this text (${shortHash(unit.hash)})`);
  }
  // The text must suit every instance it will become (specifiers in [X-Fleet] are expanded per instance).
  for (const inst of instances) buildUnit(inst.name, unit.options);
  const kind: RolloutKind = template ? 'template' : unit.requirements.global ? 'global' : 'unit';
  if (!template && own !== undefined && isGlobalUnit(own) !== unit.requirements.global) {
    throw new RolloutRejectedError('invalid', group, `a rollout cannot change Global= of ${group} (it changes where the unit runs, not its text); destroy and submit it instead`);
  }
  return {
    group,
    kind,
    fromHash,
    toHash: unit.hash,
    settings,
    phase: 'pending',
    paused: false,
    undoRequested: false,
    createdAt: inputs.now,
    updatedAt: inputs.now,
    members: [],
    targets: [],
    batches: [],
  };
}


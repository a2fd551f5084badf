/**
 * What `fleetctl apply` would change: the desired set against the cluster.
 * Pure, so the command prints exactly what it then does, and the table
 * tests in `test/unit/apply` pin it down.
 *
 * - `create` (`+`): in the set, not in the cluster.
 * - `change` (`~`): in both, with another body (old -> new hash and the
 *   options that differ, by section and key) and/or another desired state.
 *   A new body reaches the machines through a rollout (a template: its
 *   instances; a global unit that stays global and launched: its machines;
 *   an instance carried by its template's rollout) or is replaced in place
 *   (every other unit), see {@link BodyUpdate}.
 * - `prune` (`-`): in the cluster, created by an earlier apply of this set
 *   (its membership says so), no longer in the set. Units the set did not
 *   create are never pruned.
 * - unchanged: in both, same body and state.
 * - conflict: in the set, but created by another apply set; apply refuses
 *   the whole run rather than fight over it.
 */
import type { DesiredState } from '../domain/index.js';
import { extractRequirements, optionsHash, parseUnitName, templateOf, type UnitOption } from '../units/index.js';
import type { DesiredUnit } from './desired-set.js';
import { FINISHED_PHASES, type RolloutRecord } from '../rollout/index.js';

/** A unit as the cluster holds it. */
export interface ClusterUnit {
  readonly name: string;
  readonly options: readonly UnitOption[];
  readonly desiredState: DesiredState;
}

/** What kind of unit it is for updates (see {@link BodyUpdate} for how each is updated). */
export type UnitGroup = 'template' | 'instance' | 'global' | 'unit';

/**
 * How a changed body reaches the machines.
 * - `rollout`: through the rollout of `group`, batch by batch, gated on
 *   health: the unit itself for a template (its instances move) or a global
 *   unit (its machines move); the template for an instance whose template is
 *   rolled out to the same text (the instance moves with it, no write of its own).
 * - `inPlace`: the record is replaced and the agent restarts the unit with
 *   it: ordinary units, instances not carried by a rollout, and global units
 *   that are not running before and after (not launched, or Global= changes).
 *
 * `underWay`: an unfinished rollout of the group to this very text exists
 * already (an earlier `apply --no-block`, an interrupted apply, `fleetctl
 * rollout`): nothing to write, only to wait for.
 */
export type BodyUpdate = { readonly via: 'rollout'; readonly group: string; readonly underWay?: true } | { readonly via: 'inPlace' };

/** What the diff needs to know of a stored rollout. */
export type StoredRollout = Pick<RolloutRecord, 'group' | 'phase' | 'toHash'>;

/** One option key whose values differ between the old and new body. */
export interface OptionChange {
  readonly section: string;
  readonly name: string;
  /** `added`: only in the new body; `removed`: only in the old; `changed`: in both with other values. */
  readonly change: 'added' | 'removed' | 'changed';
}

/** One line of the diff. */
export type UnitDiff =
  | { readonly op: 'create'; readonly name: string; readonly group: UnitGroup; readonly hash: string; readonly desired: DesiredState }
  | {
      readonly op: 'change';
      readonly name: string;
      readonly group: UnitGroup;
      readonly oldHash: string;
      readonly newHash: string;
      /** Empty when only the desired state changes. */
      readonly options: readonly OptionChange[];
      /** How the new body reaches the machines; undefined when only the desired state changes. */
      readonly update?: BodyUpdate;
      readonly oldDesired: DesiredState;
      readonly desired: DesiredState;
      /** False when this set did not create the unit (it is changed, but never pruned). */
      readonly member: boolean;
    }
  | { readonly op: 'prune'; readonly name: string; readonly hash: string };

/** A unit of the set that another apply set created. */
export interface SetConflict {
  readonly name: string;
  /** The set that created it. */
  readonly set: string;
}

/** The whole diff. */
export interface SetDiff {
  readonly set: string;
  /** Creates, changes and prunes, sorted by unit name. */
  readonly changes: readonly UnitDiff[];
  /** Units of the set already as wanted, sorted. */
  readonly unchanged: readonly string[];
  /** Units of the set owned by another set; apply must refuse when not empty. */
  readonly conflicts: readonly SetConflict[];
}

/** What {@link diffUnitSet} compares. */
export interface DiffInput {
  readonly set: string;
  /** The desired set (from `buildDesiredSet`). */
  readonly desired: readonly DesiredUnit[];
  /** Every unit in the cluster. */
  readonly current: readonly ClusterUnit[];
  /** unit name -> the apply set that created it (units created otherwise are absent). */
  readonly membership: ReadonlyMap<string, string>;
  /** The stored rollouts (absent: none). */
  readonly rollouts?: readonly StoredRollout[];
}

/** The group a unit belongs to for updates. Never throws. */
export function unitGroup(name: string, global: boolean): UnitGroup {
  const info = parseUnitName(name);
  if (info?.isTemplate === true) return 'template';
  if (info?.isInstance === true) return 'instance';
  return global ? 'global' : 'unit';
}

/** Diffs the desired set against the cluster. Never throws. */
export function diffUnitSet(input: DiffInput): SetDiff {
  const current = new Map(input.current.map((u) => [u.name, u]));
  const wanted = new Set(input.desired.map((d) => d.unit.name));
  const changes: UnitDiff[] = [];
  const unchanged: string[] = [];
  const conflicts: SetConflict[] = [];
  const rolled = rolledOut(input.desired, current);
  const underWay = new Set((input.rollouts ?? []).filter((r) => !FINISHED_PHASES.has(r.phase) && rolled.get(r.group) === r.toHash).map((r) => r.group));
  for (const d of input.desired) {
    const { unit } = d;
    const group = unitGroup(unit.name, unit.requirements.global);
    const have = current.get(unit.name);
    if (have === undefined) {
      changes.push({ op: 'create', name: unit.name, group, hash: unit.hash, desired: d.desired });
      continue;
    }
    const owner = input.membership.get(unit.name);
    if (owner !== undefined && owner !== input.set) {
      conflicts.push({ name: unit.name, set: owner });
      continue;
    }
    const oldHash = optionsHash(have.options);
    if (oldHash === unit.hash && have.desiredState === d.desired) {
      unchanged.push(unit.name);
      continue;
    }
    changes.push({
      op: 'change',
      name: unit.name,
      group,
      oldHash,
      newHash: unit.hash,
      options: oldHash === unit.hash ? [] : optionChanges(have.options, unit.options),
      ...(oldHash === unit.hash ? {} : { update: bodyUpdate(d, rolled, underWay) }),
      oldDesired: have.desiredState,
      desired: d.desired,
      member: owner === input.set,
    });
  }
  for (const [unit, set] of input.membership) {
    const have = current.get(unit);
    if (set !== input.set || wanted.has(unit) || have === undefined) continue;
    changes.push({ op: 'prune', name: unit, hash: optionsHash(have.options) });
  }
  return { set: input.set, changes: changes.sort((a, b) => compare(a.name, b.name)), unchanged: unchanged.sort(compare), conflicts: conflicts.sort((a, b) => compare(a.name, b.name)) };
}

/**
 * The units of the set that are rolled out themselves, with their new
 * hash: templates whose body changes, and global units whose body changes
 * while they stay global and launched (a rollout moves running targets;
 * one that changes Global= cannot be rolled out).
 */
function rolledOut(desired: readonly DesiredUnit[], current: ReadonlyMap<string, ClusterUnit>): Map<string, string> {
  const out = new Map<string, string>();
  for (const { unit, desired: state } of desired) {
    const have = current.get(unit.name);
    if (have === undefined || optionsHash(have.options) === unit.hash) continue;
    const group = unitGroup(unit.name, unit.requirements.global);
    const stillGlobal = group === 'global' && state === 'launched' && have.desiredState === 'launched' && extractRequirements(have.options, have.name).requirements.global;
    if (group === 'template' || stillGlobal) out.set(unit.name, unit.hash);
  }
  return out;
}

/** How `d`'s new body reaches the machines, given the rolled-out units and the groups whose rollout to that text is under way. */
function bodyUpdate(d: DesiredUnit, rolled: ReadonlyMap<string, string>, underWay: ReadonlySet<string>): BodyUpdate {
  const { name, hash } = d.unit;
  const via = (group: string): BodyUpdate => (underWay.has(group) ? { via: 'rollout', group, underWay: true } : { via: 'rollout', group });
  if (rolled.has(name)) return via(name);
  const template = templateOf(name);
  if (template !== undefined && rolled.get(template) === hash) return via(template);
  return { via: 'inPlace' };
}

/**
 * Whether applying `c` writes anything: a create, a state change, a body
 * change (unless its rollout is already under way), a prune with `prune`.
 * Never throws.
 */
export function needsWrite(c: UnitDiff, prune: boolean): boolean {
  if (c.op === 'prune') return prune;
  if (c.op === 'create' || c.oldDesired !== c.desired) return true;
  return c.update?.via !== 'rollout' || (c.update.group === c.name && c.update.underWay !== true);
}

/** The groups of `diff` whose rollout to the new text is already under way, sorted. Never throws. */
export function rolloutsUnderWay(diff: SetDiff): string[] {
  return diff.changes.flatMap((c) => (c.op === 'change' && c.update?.via === 'rollout' && c.update.underWay === true && c.update.group === c.name ? [c.name] : []));
}

/**
 * The option keys (section + name) whose values differ, in the order they
 * first appear in the new body, then keys only the old body has. A
 * repeated key counts as one key with a list of values. Never throws.
 */
export function optionChanges(before: readonly UnitOption[], after: readonly UnitOption[]): OptionChange[] {
  const a = valuesByKey(before);
  const b = valuesByKey(after);
  const out: OptionChange[] = [];
  for (const [key, values] of b) {
    const old = a.get(key);
    const [section, name] = splitKey(key);
    if (old === undefined) out.push({ section, name, change: 'added' });
    else if (JSON.stringify(old) !== JSON.stringify(values)) out.push({ section, name, change: 'changed' });
  }
  for (const key of a.keys()) {
    if (b.has(key)) continue;
    const [section, name] = splitKey(key);
    out.push({ section, name, change: 'removed' });
  }
  return out;
}

/** `\u0000` never occurs in a section or option name (the parser refuses NUL). */
const SEP = '\u0000';

function valuesByKey(options: readonly UnitOption[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const o of options) {
    const key = `${o.section}${SEP}${o.name}`;
    const list = out.get(key) ?? [];
    list.push(o.value);
    out.set(key, list);
  }
  return out;
}

function splitKey(key: string): [string, string] {
  const i = key.indexOf(SEP);
  return [key.slice(0, i), key.slice(i + 1)];
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

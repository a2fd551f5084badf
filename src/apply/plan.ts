/**
 * The writes `fleetctl apply` makes for a diff, in order, each with a
 * reason. Pure. Order, as data: new units first (templates before the
 * rest, so a set's instances never precede their template), then changed
 * ones (templates first again), then prunes (only with `--prune`).
 * A changed body goes the way the diff says (`BodyUpdate`): a rollout
 * (templates, global units; the instances of a rolled-out template need
 * no write of their own) or a replace in place (same name, new body,
 * desired state kept or set in the same write; the agent moves a running
 * unit to the new body).
 */
import type { DesiredState } from '../domain/index.js';
import { resolveRolloutSettings, RolloutRejectedError, type RolloutSettings, type RolloutSettingsInput } from '../rollout/index.js';
import { shortHash, type Unit } from '../units/index.js';
import { ApplyInputError, type DesiredUnit } from './desired-set.js';
import type { SetDiff, UnitGroup } from './diff.js';

/** One write. */
export type ApplyStep =
  /** Create the unit with its desired state and record it as a member of the set, in one write. */
  | { readonly kind: 'create'; readonly name: string; readonly unit: Unit; readonly desired: DesiredState; readonly reason: string }
  /** Replace the body in place; `desired` set in the same write when it changes too. */
  | { readonly kind: 'replace'; readonly name: string; readonly unit: Unit; readonly desired?: DesiredState; readonly reason: string }
  /**
   * Start a rollout of the group `name` to the new body with `settings`
   * (the flags over the file's `[X-Fleet] Rollout*=` over the defaults);
   * `carries` lists the instances of the set that move with it.
   */
  | { readonly kind: 'rollout'; readonly name: string; readonly unit: Unit; readonly settings: RolloutSettings; readonly carries: readonly string[]; readonly reason: string }
  /** Only the desired state changes. */
  | { readonly kind: 'setDesired'; readonly name: string; readonly desired: DesiredState; readonly reason: string }
  /** Destroy a unit this set created that is no longer in it. */
  | { readonly kind: 'destroy'; readonly name: string; readonly reason: string };

/** The phases, in the order they run; steps of one phase may run concurrently. */
export const APPLY_PHASES: readonly (readonly ApplyStep['kind'][])[] = [['create'], ['replace', 'setDesired', 'rollout'], ['destroy']];

/** Within a phase, templates go first. */
const GROUP_ORDER: Readonly<Record<UnitGroup, number>> = { template: 0, unit: 1, global: 1, instance: 1 };

/** What {@link planApply} is told besides the diff. */
export interface ApplyOptions {
  /** Destroy the set's units that are no longer in it. */
  readonly prune: boolean;
  /** Rollout settings given as flags; they override every file's `[X-Fleet] Rollout*=`. */
  readonly rollout?: RolloutSettingsInput;
}

/**
 * The ordered writes for `diff`. `desired` supplies the new bodies; prune
 * entries become `destroy` steps only with `prune`. A diff entry without
 * its desired unit is a caller bug and is skipped.
 * @returns steps in phase order, by group then name within a phase.
 * @throws {ApplyInputError} when a rollout's settings do not resolve (e.g. a
 *   healthy deadline not longer than the min healthy time), naming each file.
 */
export function planApply(diff: SetDiff, desired: readonly DesiredUnit[], options: ApplyOptions): ApplyStep[] {
  const units = new Map(desired.map((d) => [d.unit.name, d.unit]));
  const paths = new Map(desired.map((d) => [d.unit.name, d.path]));
  const problems: string[] = [];
  const carried = new Map<string, string[]>();
  for (const c of diff.changes) {
    if (c.op === 'change' && c.update?.via === 'rollout' && c.update.group !== c.name) carried.set(c.update.group, [...(carried.get(c.update.group) ?? []), c.name]);
  }
  const ranked: Array<{ step: ApplyStep; phase: number; group: number }> = [];
  const add = (step: ApplyStep, group: UnitGroup | undefined): void => {
    ranked.push({ step, phase: APPLY_PHASES.findIndex((p) => p.includes(step.kind)), group: group === undefined ? 1 : GROUP_ORDER[group] });
  };
  for (const c of diff.changes) {
    if (c.op === 'prune') {
      if (options.prune) add({ kind: 'destroy', name: c.name, reason: `created by apply set ${diff.set}, no longer in it` }, undefined);
      continue;
    }
    const unit = units.get(c.name);
    if (unit === undefined) continue;
    if (c.op === 'create') {
      add({ kind: 'create', name: c.name, unit, desired: c.desired, reason: 'new in the set' }, c.group);
    } else if (c.update?.via === 'rollout') {
      if (c.oldDesired !== c.desired) add({ kind: 'setDesired', name: c.name, desired: c.desired, reason: `desired state ${c.oldDesired} -> ${c.desired}` }, c.group);
      if (c.update.group !== c.name || c.update.underWay === true) continue;
      try {
        const settings = resolveRolloutSettings(c.name, unit.options, options.rollout);
        const reason = `body ${shortHash(c.oldHash)} -> ${shortHash(c.newHash)} through a rollout`;
        add({ kind: 'rollout', name: c.name, unit, settings, carries: carried.get(c.name) ?? [], reason }, c.group);
      } catch (err) {
        if (!(err instanceof RolloutRejectedError)) throw err;
        problems.push(`${paths.get(c.name) ?? c.name}: ${err.message}`);
      }
    } else if (c.oldHash !== c.newHash) {
      const desiredChange = c.oldDesired !== c.desired ? { desired: c.desired } : {};
      add({ kind: 'replace', name: c.name, unit, ...desiredChange, reason: `body ${c.oldHash.slice(0, 7)} -> ${c.newHash.slice(0, 7)}` }, c.group);
    } else {
      add({ kind: 'setDesired', name: c.name, desired: c.desired, reason: `desired state ${c.oldDesired} -> ${c.desired}` }, c.group);
    }
  }
  if (problems.length > 0) throw new ApplyInputError(problems);
  ranked.sort((a, b) => a.phase - b.phase || a.group - b.group || (a.step.name < b.step.name ? -1 : a.step.name > b.step.name ? 1 : 0));
  return ranked.map((r) => r.step);
}

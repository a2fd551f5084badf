/**
 * How `fleetctl apply` shows a diff: one line per unit (`+` create, `~`
 * change, `-` prune), a summary line, and the same as JSON for `-o json`.
 */
import { needsWrite, type SetDiff, type UnitDiff } from '../../src/apply/index.js';
import { shortHash } from '../../src/units/index.js';

/**
 * The line of one diff entry, e.g. `~ web.service 1a2b3c4 -> 5d6e7f8: [Service] ExecStart changed`;
 * a body that goes through a rollout says so: `; through a rollout` (the
 * group itself) or `; in the rollout of web@.service` (an instance).
 */
export function diffLine(c: UnitDiff, prune: boolean): string {
  switch (c.op) {
    case 'create':
      return `+ ${c.name} ${shortHash(c.hash)} (${c.desired})`;
    case 'prune':
      return `- ${c.name} ${shortHash(c.hash)}${prune ? '' : ' (kept: --prune destroys it)'}`;
    case 'change': {
      const parts: string[] = [];
      if (c.oldHash !== c.newHash) {
        const options = c.options.map((o) => `[${o.section}] ${o.name} ${o.change}`).join(', ');
        parts.push(`${shortHash(c.oldHash)} -> ${shortHash(c.newHash)}${options === '' ? '' : `: ${options}`}`);
      }
      if (c.update?.via === 'rollout') {
        const rollout = c.update.group === c.name ? 'through a rollout' : `in the rollout of ${c.update.group}`;
        parts.push(c.update.underWay === true ? `${rollout} (under way)` : rollout);
      }
      if (c.oldDesired !== c.desired) parts.push(`state ${c.oldDesired} -> ${c.desired}`);
      const note = c.member ? '' : ' (not created by this set: never pruned)';
      return `~ ${c.name} ${parts.join('; ')}${note}`;
    }
  }
}

/** Counts for the summary. */
export interface DiffCounts {
  readonly create: number;
  readonly change: number;
  readonly prune: number;
  readonly unchanged: number;
}

/** How many entries of each kind. */
export function diffCounts(diff: SetDiff): DiffCounts {
  const n = (op: UnitDiff['op']): number => diff.changes.filter((c) => c.op === op).length;
  return { create: n('create'), change: n('change'), prune: n('prune'), unchanged: diff.unchanged.length };
}

/** True when applying would write something. */
export function hasWrites(diff: SetDiff, prune: boolean): boolean {
  return diff.changes.some((c) => needsWrite(c, prune));
}

/** `apply set web: 1 to create, 2 to change, 1 to prune, 3 unchanged`. */
export function summaryLine(diff: SetDiff, prune: boolean): string {
  const c = diffCounts(diff);
  const pruneText = c.prune === 0 ? '' : prune ? `, ${c.prune} to prune` : `, ${c.prune} no longer in the set (kept without --prune)`;
  return `apply set ${diff.set}: ${c.create} to create, ${c.change} to change${pruneText}, ${c.unchanged} unchanged`;
}

/** The diff as `-o json` prints it (hashes in full). */
export function diffJson(diff: SetDiff): Record<string, unknown> {
  return {
    set: diff.set,
    changes: diff.changes.map((c) => ({ ...c })),
    unchanged: [...diff.unchanged],
  };
}

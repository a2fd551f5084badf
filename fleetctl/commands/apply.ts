/**
 * `fleetctl apply DIR|FILE...`: make the cluster hold exactly these unit
 * files. Reads and validates every file first (nothing is written when any
 * is bad), prints the diff (`+` new, `~` changed, `-` no longer in the set),
 * then creates, rolls out changed templates and global units (replacing
 * other changed units in place) and, with `--prune`, destroys units this
 * apply set created earlier; unless `--no-block`, it then follows the
 * rollouts it started and fails when one does. The decisions are
 * `src/apply` (pure); this file reads, prints, writes and waits.
 */
import { buildDesiredSet, diffUnitSet, planApply, rolloutsUnderWay, ApplyInputError, type ApplyStep, type DesiredUnit, type SetDiff } from '../../src/apply/index.js';
import { isDesiredState, membershipOf, type DesiredState } from '../../src/domain/index.js';
import type { RolloutRecord } from '../../src/rollout/index.js';
import { ApplyReadError, readApplyInput, resolveSetName } from '../apply/read-files.js';
import { executeApply, type StepOutcome } from '../apply/execute.js';
import { diffJson, diffLine, hasWrites, summaryLine } from '../apply/print.js';
import { errorMessage } from '../client/errors.js';
import type { CommandContext } from '../context.js';
import { followRollout, startedLine, type FollowResult } from '../wait/rollout.js';
import { ROLLOUT_SETTING_FLAGS, rolloutSettingsOf } from './rollout-flags.js';
import { flag, noBlock, parseTextOrJson, type CommandSpec, type Flags } from './spec.js';

function parseState(value: string): DesiredState {
  if (!isDesiredState(value)) throw new Error(`invalid state ${JSON.stringify(value)} (expected inactive, loaded or launched)`);
  return value;
}

/** The apply command. */
export const applyCommand: CommandSpec = {
  name: 'apply',
  usage: 'DIR|FILE...',
  summary: 'Make the cluster hold exactly these unit files: create new ones, roll out or replace changed ones, optionally prune removed ones',
  description:
    'The unit files of each DIR (not recursive; names ending in a unit type) and each FILE are the desired set, named by --set or else by the directory they are in. ' +
    'Every file is validated before anything is written. Prints the diff ("+" new, "~" changed: old -> new hash and the options that differ, "-" created by an earlier apply of this set and no longer in it), then applies it. ' +
    'A changed template (its instances) or global unit goes through a rollout, as "fleetctl rollout FILE" starts it (settings: the rollout flags, else the file\'s [X-Fleet] Rollout*= keys, else the defaults); other changed units are replaced in place. ' +
    'Unless --no-block, apply then follows the rollouts it started. ' +
    'An empty instance file (or a symlink to the template) takes its template\'s body. New units get --state (default launched) unless the file says [X-Fleet] DesiredState=. ' +
    'Exit 0 when applied (every rollout done) or nothing to do, 1 on any error or a rollout that failed or was reverted.',
  flags: [
    { flags: '--dry-run', description: 'Print the diff and write nothing.' },
    { flags: '--prune', description: 'Destroy units an earlier apply of this set created that are no longer in it (never other units).' },
    { flags: '--set <name>', description: 'Name of the apply set (default: the base name of the directory holding the files).' },
    { flags: '--state <state>', description: 'Desired state of the units (inactive, loaded or launched) unless a file sets [X-Fleet] DesiredState=; templates stay inactive.', defaultValue: 'launched', parse: parseState },
    ...ROLLOUT_SETTING_FLAGS,
    { flags: '--no-block', description: 'Start the rollouts and return at once (fleetctl rollout status follows them).' },
    { flags: '-o, --output <format>', description: 'Output format: text, or json (one document: the diff and what was done).', defaultValue: 'text', parse: parseTextOrJson },
  ],
  run: runApply,
};

async function runApply(ctx: CommandContext, args: readonly string[], flags: Flags): Promise<number> {
  const { out } = ctx;
  const fail = (lines: readonly string[]): number => {
    for (const l of lines) out.stderr.write(`Error: ${l}\n`);
    return 1;
  };
  if (args.length === 0) return fail(['no unit files or directories given (usage: fleetctl apply DIR|FILE...)']);
  const json = flags['output'] === 'json';
  const prune = flag(flags, 'prune');
  const dryRun = flag(flags, 'dryRun');
  const state = (flags['state'] as DesiredState | undefined) ?? 'launched';

  let set: string;
  let desired: DesiredUnit[];
  try {
    const input = await readApplyInput(args);
    set = resolveSetName(typeof flags['set'] === 'string' ? flags['set'] : undefined, input);
    desired = buildDesiredSet(input.files, state);
  } catch (err) {
    if (err instanceof ApplyReadError || err instanceof ApplyInputError) return fail(err.problems);
    throw err;
  }

  let diff: SetDiff;
  try {
    const [units, sets] = await Promise.all([ctx.client.listUnits(), ctx.client.listApplySets()]);
    const input = { set, desired, current: units, membership: membershipOf(sets) };
    diff = diffUnitSet(input);
    // Only a set with rollouts to start asks for the stored ones (to find those already under way).
    if (diff.changes.some((c) => c.op === 'change' && c.update?.via === 'rollout')) diff = diffUnitSet({ ...input, rollouts: await ctx.client.listRollouts() });
  } catch (err) {
    return fail([`reading the cluster: ${errorMessage(err)}`]);
  }
  if (diff.conflicts.length > 0) {
    return fail(diff.conflicts.map((c) => `${c.name} was created by apply set ${c.set}, not ${set}: apply it with --set ${c.set}, or destroy it first`));
  }

  let plan: ApplyStep[];
  try {
    plan = planApply(diff, desired, { prune, rollout: rolloutSettingsOf(flags) });
  } catch (err) {
    if (err instanceof ApplyInputError) return fail(err.problems);
    throw err;
  }

  const shown = new Set(diff.changes.map((c) => c.name));
  for (const d of desired) if (shown.has(d.unit.name)) for (const w of d.unit.warnings) out.stderr.write(`${w}\n`);
  if (!json) {
    for (const c of diff.changes) out.stdout.write(`${diffLine(c, prune)}\n`);
    out.stdout.write(`${summaryLine(diff, prune)}\n`);
  }
  const steps = dryRun ? [] : plan;
  const underWay = rolloutsUnderWay(diff);
  if (!json && dryRun) out.stdout.write(hasWrites(diff, prune) ? 'dry run: nothing written\n' : 'nothing to do\n');
  else if (!json && !hasWrites(diff, prune)) out.stdout.write(underWay.length === 0 ? 'nothing to do\n' : `nothing to write; ${underWay.join(', ')}: rollout under way\n`);

  const outcomes = await executeApply(ctx.client, set, steps, (o) => {
    if (json) return;
    if (o.error !== undefined) out.stderr.write(`Error: ${o.step.name}: ${errorMessage(o.error)}\n`);
    else out.stdout.write(`${doneLine(o.step, o.rollout)}\n`);
  });
  const failed = outcomes.filter((o) => o.error !== undefined);
  // The rollouts this run started, then those it found under way.
  const rollouts = dryRun ? [] : [...outcomes.flatMap((o) => (o.rollout !== undefined ? [o.rollout.group] : [])), ...underWay];
  const followed = new Map<string, FollowResult>();
  if (!noBlock(flags)) for (const group of rollouts) followed.set(group, await followRollout(ctx, group, json ? 'quiet' : 'text'));
  const rolloutsFailed = [...followed.values()].filter((f) => f.code !== 0).length;
  if (json) {
    const doc = { ...diffJson(diff), prune, dryRun, applied: outcomes.map(outcomeJson), rollouts: rollouts.map((group) => rolloutJson(group, followed.get(group))) };
    out.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
  } else if (steps.length > 0 || rollouts.length > 0) out.stdout.write(`${resultLine(set, steps.length, failed.length, rollouts.length, rolloutsFailed, noBlock(flags))}\n`);
  return failed.length === 0 && rolloutsFailed === 0 ? 0 : 1;
}

/** `apply set web: applied`, or what failed, or that rollouts go on without us. */
function resultLine(set: string, steps: number, failed: number, rollouts: number, rolloutsFailed: number, noBlock: boolean): string {
  if (failed > 0) return `apply set ${set}: ${failed} of ${steps} changes failed`;
  if (rolloutsFailed > 0) return `apply set ${set}: ${rolloutsFailed} of ${rollouts} rollouts did not finish`;
  if (rollouts > 0 && noBlock) return `apply set ${set}: applied; ${rollouts === 1 ? 'a rollout goes' : `${rollouts} rollouts go`} on (fleetctl rollout status)`;
  return `apply set ${set}: applied`;
}

/** A rollout apply started: its group, and how it ended when apply followed it. */
function rolloutJson(group: string, f: FollowResult | undefined): Record<string, unknown> {
  const r = f?.record;
  return { group, ...(r !== undefined ? { phase: r.phase, ...(r.message !== undefined ? { message: r.message } : {}) } : {}), ...(f !== undefined ? { ok: f.code === 0 } : {}) };
}

/** `Unit a.service created (launched)`, `... replaced`, `... set to loaded`, `... destroyed`, `Rollout of t@.service started: ...`. */
function doneLine(step: ApplyStep, rollout: RolloutRecord | undefined): string {
  switch (step.kind) {
    case 'create':
      return `Unit ${step.name} created (${step.desired})`;
    case 'replace':
      return `Unit ${step.name} replaced${step.desired === undefined ? '' : ` (${step.desired})`}`;
    case 'setDesired':
      return `Unit ${step.name} set to ${step.desired}`;
    case 'destroy':
      return `Unit ${step.name} destroyed`;
    case 'rollout':
      return rollout !== undefined ? startedLine(rollout) : `Rollout of ${step.name} started`;
  }
}

function outcomeJson(o: StepOutcome): Record<string, unknown> {
  return { unit: o.step.name, action: o.step.kind, ...(o.error === undefined ? { ok: true } : { ok: false, error: errorMessage(o.error) }) };
}

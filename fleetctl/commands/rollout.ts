/**
 * `fleetctl rollout FILE` moves a template's instances, a global unit's
 * machines or one unit to the unit file FILE, batch by batch, each batch
 * gated on health; the engine leader runs it (it survives fleetctl exiting).
 * By default it waits and shows progress (a bar on a terminal, a line per
 * change otherwise) and exits 1 when the rollout fails or is reverted.
 * `rollout status [GROUP] [-o json]`, `rollout pause|resume|undo GROUP`.
 */
import { errorMessage } from '../client/errors.js';
import type { CommandContext } from '../context.js';
import { readLocal, unitArg } from '../units/local-files.js';
import { buildUnit, parseMaxParallel, parseRolloutDuration, shortHash } from '../../src/units/index.js';
import { formatMs, summarizeRollout, ROLLOUT_CONTROLS, type RolloutControl, type RolloutRecord, type RolloutSettingsInput } from '../../src/rollout/index.js';
import { flag, noBlock, parseTextOrJson, text, type CommandSpec, type Flags } from './spec.js';

const USAGE = 'Usage: fleetctl rollout FILE [flags] | rollout status [GROUP] [-o json] | rollout pause|resume|undo GROUP';

/** The rollout command. */
export const rolloutCommand: CommandSpec = {
  name: 'rollout',
  usage: 'FILE | status [GROUP] | pause|resume|undo GROUP',
  summary: 'Roll a template, global unit or unit out to a new unit file, batch by batch, gated on health',
  description:
    'FILE is the new unit file; its name is the group (web@.service: every instance; a Global=true unit: every machine it runs on; another unit: itself). Settings default to [X-Fleet] RolloutMaxParallel=, RolloutMinHealthyTime=, RolloutHealthyDeadline=, RolloutAutoRevert= of FILE, then 1, 10s, 5m, false. Waits for the end unless --no-block, and exits 1 when the rollout fails or is reverted. "status" shows every rollout (or GROUP\'s) with per-batch progress; "pause" holds the next batch, "resume" continues, "undo" puts the previous text back batch by batch.',
  flags: [
    { flags: '--max-parallel <n>', description: 'Targets (instances, or machines of a global unit) updated at once.', parse: (v) => parseMaxParallel(v) },
    { flags: '--min-healthy-time <duration>', description: 'How long a target must stay active/running to count as healthy (10s, 1m30s, or seconds).', parse: (v) => parseRolloutDuration(v) },
    { flags: '--healthy-deadline <duration>', description: 'A batch not healthy this long after it started fails the rollout.', parse: (v) => parseRolloutDuration(v) },
    { flags: '--auto-revert', description: 'On failure, put the previous text back, batch by batch.' },
    { flags: '--no-block', description: 'Start the rollout and return at once.' },
    { flags: '-o, --output <format>', description: 'status: text or json (the API\'s rollout documents).', defaultValue: 'text', parse: parseTextOrJson },
  ],
  async run(ctx, args, flags) {
    const [first, ...rest] = args;
    if (first === undefined) return usage(ctx);
    if (first === 'status') return rest.length > 1 ? usage(ctx) : status(ctx, rest[0], text(flags, 'output', 'text'));
    if ((ROLLOUT_CONTROLS as readonly string[]).includes(first)) return rest.length !== 1 ? usage(ctx) : control(ctx, first as RolloutControl, rest[0]!);
    if (rest.length > 0) return usage(ctx);
    return start(ctx, first, flags);
  },
};

function usage(ctx: CommandContext): number {
  ctx.out.stderr.write(`${USAGE}\n`);
  return 1;
}

async function start(ctx: CommandContext, file: string, flags: Flags): Promise<number> {
  const { name, path } = unitArg(file);
  let unitText: string | undefined;
  try {
    unitText = await readLocal(path);
  } catch (err) {
    ctx.out.stderr.write(`Error reading unit file ${path}: ${errorMessage(err)}\n`);
    return 1;
  }
  if (unitText === undefined) {
    ctx.out.stderr.write(`Unit file ${path} not found\n`);
    return 1;
  }
  let options;
  try {
    options = buildUnit(name, unitText).options;
  } catch (err) {
    ctx.out.stderr.write(`Error in unit file ${path}: ${errorMessage(err)}\n`);
    return 1;
  }
  const settings: { -readonly [K in keyof RolloutSettingsInput]: RolloutSettingsInput[K] } = {};
  if (typeof flags['maxParallel'] === 'number') settings.maxParallel = flags['maxParallel'];
  if (typeof flags['minHealthyTime'] === 'number') settings.minHealthyTimeMs = flags['minHealthyTime'];
  if (typeof flags['healthyDeadline'] === 'number') settings.healthyDeadlineMs = flags['healthyDeadline'];
  if (flag(flags, 'autoRevert')) settings.autoRevert = true;
  let r: RolloutRecord;
  try {
    r = await ctx.client.createRollout(name, options, settings);
  } catch (err) {
    ctx.out.stderr.write(`Error starting the rollout of ${name}: ${errorMessage(err)}\n`);
    return 1;
  }
  const s = r.settings;
  ctx.out.stdout.write(
    `Rollout of ${name} started: ${shortHash(r.fromHash)} -> ${shortHash(r.toHash)}, ${s.maxParallel} at a time, healthy after ${formatMs(s.minHealthyTimeMs)}, deadline ${formatMs(s.healthyDeadlineMs)}${s.autoRevert ? ', auto-revert' : ''}\n`,
  );
  if (noBlock(flags)) return 0;
  return follow(ctx, name);
}

/** Waits for the rollout of `group` to end, showing progress; 0 when done, 1 when failed or reverted. */
export async function follow(ctx: CommandContext, group: string): Promise<number> {
  let last = '';
  try {
    for (;;) {
      const r = await ctx.client.getRollout(group);
      if (r === undefined) {
        ctx.out.stderr.write(`The rollout of ${group} disappeared\n`);
        return 1;
      }
      const line = progressLine(r);
      if (ctx.out.isTTY) ctx.out.progress(`${bar(r)} ${line}`);
      else if (line !== last) ctx.out.stdout.write(`${line}\n`);
      last = line;
      if (r.phase === 'done' || r.phase === 'reverted' || r.phase === 'failed') {
        ctx.out.progress(undefined);
        const ok = r.phase === 'done';
        (ok ? ctx.out.stdout : ctx.out.stderr).write(`Rollout of ${group} ${r.phase}${r.message !== undefined ? `: ${r.message}` : ''}\n`);
        return ok ? 0 : 1;
      }
      await ctx.timing.sleep(ctx.timing.pollMs * 4, ctx.signal);
    }
  } catch (err) {
    ctx.out.progress(undefined);
    ctx.out.stderr.write(ctx.signal?.aborted ? `Stopped waiting; the rollout of ${group} goes on (fleetctl rollout status ${group})\n` : `Error following the rollout of ${group}: ${errorMessage(err)}\n`);
    return 1;
  }
}

/** `[#####.....]` over the targets: healthy on the new text (or reverted) out of all. */
function bar(r: RolloutRecord, width = 20): string {
  const sum = summarizeRollout(r);
  const done = r.phase === 'reverting' || r.phase === 'reverted' ? sum.byStatus.reverted : sum.byStatus.healthy;
  const filled = sum.targets === 0 ? (sum.finished ? width : 0) : Math.round((done / sum.targets) * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
}

/** One line of progress: phase, counts, the batch in progress. */
export function progressLine(r: RolloutRecord): string {
  const sum = summarizeRollout(r);
  const b = sum.byStatus;
  const batch = r.batches.at(-1);
  const parts = [`${r.group}: ${r.phase}${r.paused ? ' (paused)' : ''}`, `${b.healthy}/${sum.targets} updated`];
  if (b.failed > 0) parts.push(`${b.failed} failed`);
  if (b.reverted > 0 || r.phase === 'reverting') parts.push(`${b.reverted} reverted`);
  if (batch !== undefined) parts.push(`batch ${batch.index} (${batch.kind}, ${batch.state}): ${batch.targets.join(' ')}`);
  return parts.join(', ');
}

async function status(ctx: CommandContext, group: string | undefined, format: string): Promise<number> {
  let list: RolloutRecord[];
  try {
    if (group === undefined) list = await ctx.client.listRollouts();
    else {
      const r = await ctx.client.getRollout(unitArg(group).name);
      if (r === undefined) {
        ctx.out.stderr.write(`No rollout of ${unitArg(group).name}\n`);
        return 1;
      }
      list = [r];
    }
  } catch (err) {
    ctx.out.stderr.write(`Error retrieving rollouts: ${errorMessage(err)}\n`);
    return 1;
  }
  if (format === 'json') {
    for (const r of list) ctx.out.stdout.write(`${JSON.stringify({ ...r, summary: summarizeRollout(r) })}\n`);
    return 0;
  }
  for (const r of list) ctx.out.stdout.write(statusText(r));
  return 0;
}

/** The text of `rollout status` for one rollout: a header, a line per batch, the message. */
export function statusText(r: RolloutRecord): string {
  const s = r.settings;
  const lines = [
    `${bar(r)} ${progressLine(r)}`,
    `  ${r.kind} ${shortHash(r.fromHash)} -> ${shortHash(r.toHash)}; max parallel ${s.maxParallel}, healthy after ${formatMs(s.minHealthyTimeMs)}, deadline ${formatMs(s.healthyDeadlineMs)}, auto-revert ${s.autoRevert ? 'on' : 'off'}`,
  ];
  for (const b of r.batches) {
    const took = b.endedAt !== undefined ? ` in ${formatMs(b.endedAt - b.startedAt)}` : '';
    lines.push(`  batch ${b.index} ${b.kind} ${b.state}${took}: ${b.targets.join(' ')}${b.reason !== undefined ? ` - ${b.reason}` : ''}`);
  }
  if (r.message !== undefined) lines.push(`  ${r.message}`);
  return `${lines.join('\n')}\n`;
}

async function control(ctx: CommandContext, what: RolloutControl, group: string): Promise<number> {
  const name = unitArg(group).name;
  try {
    const r = await ctx.client.controlRollout(name, what);
    ctx.out.stdout.write(`${progressLine(r)}${r.undoRequested ? ' (undo requested)' : ''}\n`);
    return 0;
  } catch (err) {
    ctx.out.stderr.write(`Error: ${what} of the rollout of ${name}: ${errorMessage(err)}\n`);
    return 1;
  }
}

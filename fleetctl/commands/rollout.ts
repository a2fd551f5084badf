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
import { buildUnit, shortHash } from '../../src/units/index.js';
import { formatMs, summarizeRollout, ROLLOUT_CONTROLS, type RolloutControl, type RolloutRecord } from '../../src/rollout/index.js';
import { followRollout, progressBar, progressLine, startedLine } from '../wait/rollout.js';
import { ROLLOUT_SETTING_FLAGS, rolloutSettingsOf } from './rollout-flags.js';
import { noBlock, parseTextOrJson, text, type CommandSpec, type Flags } from './spec.js';

const USAGE = 'Usage: fleetctl rollout FILE [flags] | rollout status [GROUP] [-o json] | rollout pause|resume|undo GROUP';

/** The rollout command. */
export const rolloutCommand: CommandSpec = {
  name: 'rollout',
  usage: 'FILE | status [GROUP] | pause|resume|undo GROUP',
  summary: 'Roll a template, global unit or unit out to a new unit file, batch by batch, gated on health',
  description:
    'FILE is the new unit file; its name is the group (web@.service: every instance; a Global=true unit: every machine it runs on; another unit: itself). Settings default to [X-Fleet] RolloutMaxParallel=, RolloutMinHealthyTime=, RolloutHealthyDeadline=, RolloutAutoRevert= of FILE, then 1, 10s, 5m, false. Waits for the end unless --no-block, and exits 1 when the rollout fails or is reverted. "status" shows every rollout (or GROUP\'s) with per-batch progress; "pause" holds the next batch, "resume" continues, "undo" puts the previous text back batch by batch.',
  flags: [
    ...ROLLOUT_SETTING_FLAGS,
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
    unitText = readLocal(path);
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
  let r: RolloutRecord;
  try {
    r = await ctx.client.createRollout(name, options, rolloutSettingsOf(flags));
  } catch (err) {
    ctx.out.stderr.write(`Error starting the rollout of ${name}: ${errorMessage(err)}\n`);
    return 1;
  }
  ctx.out.stdout.write(`${startedLine(r)}\n`);
  if (noBlock(flags)) return 0;
  return (await followRollout(ctx, name)).code;
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
    `${progressBar(r)} ${progressLine(r)}`,
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

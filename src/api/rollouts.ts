/**
 * `/rollouts` (ours): create a rollout of a template or unit to a new text,
 * list and show rollouts, and the operator's pause/resume/undo. Decisions
 * are the rollout domain's (`src/rollout/`): `planRolloutCreate` and
 * `applyRolloutControl`; the engine leader runs the rollout itself.
 */
import { summarizeRollout, type RolloutControl, type RolloutRecord, type RolloutSettingsInput } from '../rollout/index.js';
import { executeRolloutControl, executeRolloutCreate } from '../registry/index.js';
import { buildUnit, parseMaxParallel, parseRolloutDuration, unitNameProblem } from '../units/index.js';
import type { ApiContext } from './context.js';
import { ApiError } from './errors.js';
import { json, type Reply } from './reply.js';
import { readJson, requireJsonContentType, type ApiRequest } from './request.js';
import { decodePutBody } from './unit-put.js';

/** A rollout as the API shows it: the stored record plus its summary. */
export function rolloutView(r: RolloutRecord): Record<string, unknown> {
  return { ...r, summary: summarizeRollout(r) };
}

/**
 * Reads the settings of a create request (all optional): `maxParallel`
 * (integer >= 1), `minHealthyTime` / `healthyDeadline` (Go duration string
 * such as `"10s"`, or a number of seconds), `autoRevert` (boolean).
 * @throws {ApiError} 400 naming the field and value.
 */
export function decodeRolloutSettings(body: Record<string, unknown>): RolloutSettingsInput {
  const out: { -readonly [K in keyof RolloutSettingsInput]: RolloutSettingsInput[K] } = {};
  const bad = (field: string, v: unknown, why: string) => new ApiError(400, `invalid value ${JSON.stringify(v)} for ${field}: ${why}`);
  const text = (v: unknown): string => (typeof v === 'number' ? String(v) : (v as string));
  const mp = body['maxParallel'];
  if (mp !== undefined && mp !== null) {
    if (typeof mp !== 'number' && typeof mp !== 'string') throw bad('maxParallel', mp, 'expected an integer >= 1');
    try {
      out.maxParallel = parseMaxParallel(text(mp));
    } catch (err) {
      throw bad('maxParallel', mp, (err as Error).message);
    }
  }
  for (const [field, key] of [
    ['minHealthyTime', 'minHealthyTimeMs'],
    ['healthyDeadline', 'healthyDeadlineMs'],
  ] as const) {
    const v = body[field];
    if (v === undefined || v === null) continue;
    if (typeof v !== 'number' && typeof v !== 'string') throw bad(field, v, 'expected a duration such as "10s" or a number of seconds');
    try {
      out[key] = parseRolloutDuration(text(v));
    } catch (err) {
      throw bad(field, v, (err as Error).message);
    }
  }
  const ar = body['autoRevert'];
  if (ar !== undefined && ar !== null) {
    if (typeof ar !== 'boolean') throw bad('autoRevert', ar, 'expected true or false');
    out.autoRevert = ar;
  }
  return out;
}

/** `POST /rollouts`: `{name, options, maxParallel?, minHealthyTime?, healthyDeadline?, autoRevert?}` → 201 with the pending rollout. */
export async function createRollout(req: ApiRequest, ctx: ApiContext): Promise<Reply> {
  requireJsonContentType(req.raw);
  const raw = await readJson(req.raw, ctx.maxBodyBytes);
  const body = decodePutBody(raw);
  const settings = decodeRolloutSettings(raw as Record<string, unknown>);
  if (body.name === '') throw new ApiError(400, 'field "name" is required (the template or unit to roll out)');
  if (body.options.length === 0) throw new ApiError(400, 'field "options" is required (the new unit file)');
  const unit = buildUnit(body.name, body.options);
  const record = await executeRolloutCreate(ctx.registry, { group: body.name, unit, settings }, Date.now());
  ctx.logger.info({ group: record.group, kind: record.kind, from: record.fromHash, to: record.toHash, settings: record.settings }, 'rollout created');
  return json(201, rolloutView(record));
}

/** `GET /rollouts`: `{"rollouts": [...]}` sorted by group. */
export async function listRollouts(_req: ApiRequest, ctx: ApiContext): Promise<Reply> {
  const all = await ctx.registry.listRollouts();
  return json(200, { rollouts: all.map((s) => rolloutView(s.record)) });
}

/** `GET /rollouts/<group>`: the rollout or 404 `rollout does not exist`. */
export async function getRollout(ctx: ApiContext, group: string): Promise<Reply> {
  if (unitNameProblem(group) !== undefined) throw new ApiError(404, 'rollout does not exist');
  const stored = await ctx.registry.getRollout(group);
  if (stored === undefined) throw new ApiError(404, 'rollout does not exist');
  return json(200, rolloutView(stored.record));
}

/** `POST /rollouts/<group>/{pause,resume,undo}`: 200 with the rollout as stored after the request. */
export async function controlRollout(ctx: ApiContext, group: string, control: RolloutControl): Promise<Reply> {
  if (unitNameProblem(group) !== undefined) throw new ApiError(404, 'rollout does not exist');
  const record = await executeRolloutControl(ctx.registry, group, control, Date.now());
  ctx.logger.info({ group, control }, 'rollout control');
  return json(200, rolloutView(record));
}

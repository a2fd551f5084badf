/**
 * `rollouts/<group>`: the codec of rollout records (`src/rollout/types.ts`).
 * The value is JSON with a `version` field; a hand-edited or foreign value
 * surfaces as a {@link CorruptRecordError} naming the key and field.
 */
import type { RolloutBatch, RolloutKind, RolloutPhase, RolloutRecord, RolloutTarget, TargetStatus } from '../rollout/types.js';
import { CorruptRecordError } from './errors.js';

/** Format of the rollout records this fleetd writes; newer ones are refused as corrupt. */
export const ROLLOUT_RECORD_VERSION = 1;

const KINDS: readonly RolloutKind[] = ['template', 'global', 'unit'];
const PHASES: readonly RolloutPhase[] = ['pending', 'running', 'failed', 'reverting', 'reverted', 'done'];
const STATUSES: readonly TargetStatus[] = ['pending', 'updating', 'healthy', 'failed', 'reverting', 'reverted'];

/** Serializes a rollout record (absent optionals left out). */
export function encodeRollout(r: RolloutRecord): string {
  return JSON.stringify({ version: ROLLOUT_RECORD_VERSION, ...r });
}

type Json = Record<string, unknown>;

/** Decodes `rollouts/<group>`; throws {@link CorruptRecordError}. */
export function decodeRollout(key: string, raw: string): RolloutRecord {
  const bad = (why: string) => new CorruptRecordError(key, why);
  let o: unknown;
  try {
    o = JSON.parse(raw);
  } catch (err) {
    throw bad(`not JSON (${(err as Error).message})`);
  }
  const obj = (v: unknown, where: string): Json => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw bad(`${where} is not a JSON object`);
    return v as Json;
  };
  const top = obj(o, 'value');
  const version = top['version'];
  if (version !== ROLLOUT_RECORD_VERSION) {
    throw bad(typeof version === 'number' && version > ROLLOUT_RECORD_VERSION ? `rollout record format ${version} is newer than this fleetd reads; upgrade this fleetd` : `invalid record version ${JSON.stringify(version)}`);
  }
  const str = (x: Json, f: string, where: string): string => {
    if (typeof x[f] !== 'string') throw bad(`field ${where}${f} is not a string`);
    return x[f] as string;
  };
  const num = (x: Json, f: string, where: string): number => {
    if (typeof x[f] !== 'number' || !Number.isFinite(x[f])) throw bad(`field ${where}${f} is not a number`);
    return x[f] as number;
  };
  const bool = (x: Json, f: string, where: string): boolean => {
    if (typeof x[f] !== 'boolean') throw bad(`field ${where}${f} is not a boolean`);
    return x[f] as boolean;
  };
  const oneOf = <T extends string>(x: Json, f: string, where: string, allowed: readonly T[]): T => {
    const v = str(x, f, where);
    if (!(allowed as readonly string[]).includes(v)) throw bad(`field ${where}${f} is not one of ${allowed.join('|')}: ${JSON.stringify(v)}`);
    return v as T;
  };
  const optNum = (x: Json, f: string, where: string): number | undefined => (x[f] === undefined ? undefined : num(x, f, where));
  const optStr = (x: Json, f: string, where: string): string | undefined => (x[f] === undefined ? undefined : str(x, f, where));
  const arr = (x: Json, f: string): unknown[] => {
    if (!Array.isArray(x[f])) throw bad(`field ${f} is not an array`);
    return x[f] as unknown[];
  };
  const s = obj(top['settings'], 'field settings');
  const targets = arr(top, 'targets').map((v, i): RolloutTarget => {
    const t = obj(v, `targets[${i}]`);
    const w = `targets[${i}].`;
    const out: { -readonly [K in keyof RolloutTarget]: RolloutTarget[K] } = { unit: str(t, 'unit', w), machine: str(t, 'machine', w), fromHash: str(t, 'fromHash', w), status: oneOf(t, 'status', w, STATUSES) };
    const batch = optNum(t, 'batch', w);
    if (batch !== undefined) out.batch = batch;
    const since = optNum(t, 'runningSince', w);
    if (since !== undefined) out.runningSince = since;
    const stamp = optNum(t, 'stateStamp', w);
    if (stamp !== undefined) out.stateStamp = stamp;
    const restarts = optNum(t, 'restarts', w);
    if (restarts !== undefined) out.restarts = restarts;
    const reason = optStr(t, 'reason', w);
    if (reason !== undefined) out.reason = reason;
    return out;
  });
  const batches = arr(top, 'batches').map((v, i): RolloutBatch => {
    const b = obj(v, `batches[${i}]`);
    const w = `batches[${i}].`;
    if (!Array.isArray(b['targets']) || !b['targets'].every((x) => typeof x === 'string')) throw bad(`field ${w}targets is not an array of strings`);
    const ended = optNum(b, 'endedAt', w);
    const reason = optStr(b, 'reason', w);
    return {
      index: num(b, 'index', w),
      kind: oneOf(b, 'kind', w, ['update', 'revert'] as const),
      targets: b['targets'] as string[],
      startedAt: num(b, 'startedAt', w),
      state: oneOf(b, 'state', w, ['running', 'healthy', 'failed'] as const),
      ...(ended !== undefined ? { endedAt: ended } : {}),
      ...(reason !== undefined ? { reason } : {}),
    };
  });
  const members = arr(top, 'members').map((v, i) => {
    const m = obj(v, `members[${i}]`);
    return { unit: str(m, 'unit', `members[${i}].`), fromHash: str(m, 'fromHash', `members[${i}].`) };
  });
  const message = optStr(top, 'message', '');
  return {
    group: str(top, 'group', ''),
    kind: oneOf(top, 'kind', '', KINDS),
    fromHash: str(top, 'fromHash', ''),
    toHash: str(top, 'toHash', ''),
    settings: {
      maxParallel: num(s, 'maxParallel', 'settings.'),
      minHealthyTimeMs: num(s, 'minHealthyTimeMs', 'settings.'),
      healthyDeadlineMs: num(s, 'healthyDeadlineMs', 'settings.'),
      autoRevert: bool(s, 'autoRevert', 'settings.'),
    },
    phase: oneOf(top, 'phase', '', PHASES),
    paused: bool(top, 'paused', ''),
    undoRequested: bool(top, 'undoRequested', ''),
    createdAt: num(top, 'createdAt', ''),
    updatedAt: num(top, 'updatedAt', ''),
    members,
    targets,
    batches,
    ...(message !== undefined ? { message } : {}),
  };
}

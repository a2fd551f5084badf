import { CorruptRecordError } from './errors.js';
import type { KeyLayout } from './keys.js';
import type { KvEvent } from './kv.js';
import {
  decodeAnomaly,
  decodeDecisions,
  decodeUnplaced,
  decodeDesired,
  decodeMachine,
  decodeSchedule,
  decodeState,
  decodeUnit,
  type AnomalyRecord,
  type DecisionsRecord,
  type MachineRecord,
  type UnplacedRecord,
  type ScheduleEntry,
  type UnitRecord,
  type UnitStateRecord,
} from './records.js';
import type { DesiredState } from '../domain/index.js';
import type { RolloutRecord } from '../rollout/types.js';
import { decodeRollout } from './rollout-records.js';

/**
 * A decoded registry change. The record field is the new value, or
 * `undefined` when the key was deleted (or expired with its lease).
 */
export type RegistryEvent = { readonly revision: bigint } & (
  | { readonly kind: 'unit'; readonly name: string; readonly unit: UnitRecord | undefined }
  | { readonly kind: 'body'; readonly hash: string; readonly text: string | undefined }
  | { readonly kind: 'desired'; readonly name: string; readonly desired: DesiredState | undefined }
  | { readonly kind: 'machine'; readonly machineId: string; readonly machine: MachineRecord | undefined }
  | { readonly kind: 'machineMetadata'; readonly machineId: string; readonly key: string; readonly value: string | undefined }
  | { readonly kind: 'schedule'; readonly machineId: string; readonly name: string; readonly entry: ScheduleEntry | undefined }
  | { readonly kind: 'state'; readonly name: string; readonly machineId: string; readonly state: UnitStateRecord | undefined }
  | { readonly kind: 'leader'; readonly machineId: string | undefined }
  /** The placement policy document as stored (validated by its reader); undefined when deleted. */
  | { readonly kind: 'policy'; readonly document: string | undefined }
  /** A rollout record; `revision` is its mod revision (what a compare-and-set write expects). */
  | { readonly kind: 'rollout'; readonly group: string; readonly rollout: RolloutRecord | undefined }
  /** Why the engine could not place a unit (`engine/unplaced/<name>`); undefined once it could (or the unit went). */
  | { readonly kind: 'unplaced'; readonly name: string; readonly unplaced: UnplacedRecord | undefined }
  /** Reasons of the schedule changes written in the same revision (`engine/decisions`). */
  | { readonly kind: 'decisions'; readonly decisions: DecisionsRecord | undefined }
  /** An anomaly the engine leader detected (`engine/anomaly`). */
  | { readonly kind: 'anomaly'; readonly anomaly: AnomalyRecord | undefined }
);

/**
 * Decodes one storage event. Returns undefined for keys that are not ours
 * (see `KeyLayout.parse`); throws {@link CorruptRecordError} when a value
 * does not decode or disagrees with its key.
 */
export function decodeEvent(layout: KeyLayout, ev: KvEvent): RegistryEvent | undefined {
  const parsed = layout.parse(ev.kv.key);
  if (!parsed) return undefined;
  const revision = ev.kv.modRevision;
  const del = ev.type === 'delete';
  const raw = ev.kv.value;
  const key = ev.kv.key;
  switch (parsed.kind) {
    case 'unit': {
      const unit = del ? undefined : agree(key, decodeUnit(key, raw), 'name', parsed.name);
      return { revision, kind: 'unit', name: parsed.name, unit };
    }
    case 'body':
      return { revision, kind: 'body', hash: parsed.hash, text: del ? undefined : raw };
    case 'desired':
      return { revision, kind: 'desired', name: parsed.name, desired: del ? undefined : decodeDesired(key, raw) };
    case 'machine': {
      const machine = del ? undefined : agree(key, decodeMachine(key, raw), 'id', parsed.machineId);
      return { revision, kind: 'machine', machineId: parsed.machineId, machine };
    }
    case 'machineMetadata':
      return { revision, kind: 'machineMetadata', machineId: parsed.machineId, key: parsed.key, value: del ? undefined : raw };
    case 'schedule': {
      const entry = del ? undefined : agree(key, agree(key, decodeSchedule(key, raw), 'machineId', parsed.machineId), 'name', parsed.name);
      return { revision, kind: 'schedule', machineId: parsed.machineId, name: parsed.name, entry };
    }
    case 'state': {
      const state = del ? undefined : agree(key, agree(key, decodeState(key, raw), 'machineId', parsed.machineId), 'name', parsed.name);
      return { revision, kind: 'state', name: parsed.name, machineId: parsed.machineId, state };
    }
    case 'leader':
      return { revision, kind: 'leader', machineId: del ? undefined : raw };
    case 'policy':
      return { revision, kind: 'policy', document: del ? undefined : raw };
    case 'rollout': {
      const rollout = del ? undefined : agree(key, decodeRollout(key, raw), 'group', parsed.group);
      return { revision, kind: 'rollout', group: parsed.group, rollout };
    }
    case 'unplaced': {
      const unplaced = del ? undefined : agree(key, decodeUnplaced(key, raw), 'name', parsed.name);
      return { revision, kind: 'unplaced', name: parsed.name, unplaced };
    }
    case 'decisions':
      return { revision, kind: 'decisions', decisions: del ? undefined : decodeDecisions(key, raw) };
    case 'anomaly':
      return { revision, kind: 'anomaly', anomaly: del ? undefined : decodeAnomaly(key, raw) };
  }
}

/** Rejects a record whose identifying field disagrees with its key (a key must never lie about its value). */
export function agree<T, K extends keyof T>(key: string, record: T, field: K, expected: T[K]): T {
  if (record[field] !== expected) throw new CorruptRecordError(key, `${String(field)} ${JSON.stringify(record[field])} does not match the key`);
  return record;
}

/**
 * Like {@link decodeEvent}, but a corrupt value is reported to `warn` and
 * treated as absent (the event becomes a deletion), the way fleet skips
 * records it cannot parse: a cache never holds a value it could not read.
 */
export function decodeEventOrAbsent(layout: KeyLayout, ev: KvEvent, warn: (err: CorruptRecordError) => void): RegistryEvent | undefined {
  try {
    return decodeEvent(layout, ev);
  } catch (err) {
    if (!(err instanceof CorruptRecordError)) throw err;
    warn(err);
    return decodeEvent(layout, { type: 'delete', kv: ev.kv });
  }
}

/** A decoded change together with what its key held before (from a watch opened with previous values). */
export interface RegistryChange {
  readonly event: RegistryEvent;
  /**
   * The key's previous value decoded as an event of the same kind (its
   * record field set), or undefined when the key did not exist before or
   * that value could not be decoded.
   */
  readonly before: RegistryEvent | undefined;
}

/**
 * Decodes a storage event and its previous value ({@link decodeEventOrAbsent}
 * for both). Returns undefined for keys that are not ours.
 */
export function decodeChange(layout: KeyLayout, ev: KvEvent, warn: (err: CorruptRecordError) => void): RegistryChange | undefined {
  const event = decodeEventOrAbsent(layout, ev, warn);
  if (event === undefined) return undefined;
  const before = ev.prev === undefined ? undefined : decodeEventOrAbsent(layout, { type: 'put', kv: ev.prev }, () => undefined);
  return { event, before };
}

import { applySetNameProblem, isActiveState, isDesiredState, isLoadState, type ActiveState, type DesiredState, type LoadState, type SubState } from '../domain/index.js';
import type { UnitOption } from '../units/options.js';
import { amountsFrom, type MachineResources, type ResourceAmounts } from '../resources/index.js';
import { CorruptRecordError } from './errors.js';
import { unitNameProblem } from '../units/names.js';

/**
 * The records stored in the registry and their JSON codecs. Values are data
 * given by callers (the unit parser, the agent, the engine); the registry
 * only checks their shape when decoding, so a hand-edited or foreign value
 * surfaces as a {@link CorruptRecordError} with the key, never as a crash
 * further down.
 */

/**
 * `units/<name>`: a unit as placement and the API read it: its options
 * (canonical order) and the content hash of its canonical text. The text
 * itself is the immutable body at `bodies/<hash>`, so a machine can keep
 * running an older text while others get the current one.
 */
export interface UnitRecord {
  readonly name: string;
  readonly options: readonly UnitOption[];
  /** Content hash of the canonical text (computed by the unit library); names the body. */
  readonly hash: string;
}

/** A unit as the API writes it: the record plus its canonical text, stored once per hash as `bodies/<hash>`. */
export interface UnitWithText extends UnitRecord {
  /** Canonical unit-file text. */
  readonly text: string;
}

/**
 * Format of the unit records this fleetd writes (the `version` field).
 * 1 (no field): written before bodies existed; the text is only inline.
 * 2: the text is in `bodies/<hash>`, written in the same transaction, and
 * still inline as `text` so that fleetds of format 1 read the record
 * unchanged during a rolling upgrade. Records of a newer format are refused
 * (reported as corrupt) rather than guessed at.
 */
export const UNIT_RECORD_VERSION = 2;

/** `machines/<id>`: what an agent announces about its host. */
export interface MachineRecord {
  readonly id: string;
  readonly publicIP: string;
  /** Metadata from the agent's configuration (before dynamic metadata is merged). */
  readonly metadata: Readonly<Record<string, string>>;
  /** fleetd version string. */
  readonly version: string;
  /** Feature flags, e.g. `disableEngine: true` for machines that never lead. */
  readonly capabilities: Readonly<Record<string, boolean>>;
  /**
   * Where this machine's own fleetd API answers (`unix:///path` or
   * `http://host:port`), so `fleetctl status`/`journal` can reach the host a
   * unit runs on; absent when it serves no API others can reach.
   */
  readonly apiEndpoint?: string;
  /**
   * Identifies one fleetd installation per boot (a random id kept in fleet's
   * runtime directory). A restarted fleetd keeps it and re-registers at once;
   * another host with the same machine id has a different one and is refused.
   */
  readonly instance?: string;
  /** What the machine has, keeps for itself and has allocated; absent in records of fleetd versions before resources. */
  readonly resources?: MachineResources;
  /**
   * Units this machine still runs although the registry no longer schedules
   * them here, because the registry was reset (etcd wiped) and the agent
   * holds them (sorted). The engine places such a unit back here when its
   * constraints allow, so a restore restarts nothing. Absent otherwise.
   */
  readonly held?: readonly string[];
}

/** `schedule/<machineId>/<name>`: the engine's decision that a unit runs on a machine. */
export interface ScheduleEntry {
  readonly machineId: string;
  readonly name: string;
  /** Hash of the unit body the decision was made for. */
  readonly hash: string;
  /** What the agent should make of it. */
  readonly targetState: DesiredState;
  /**
   * Units the engine preempted on this machine to make room for this one:
   * the agent starts it only once those are stopped there. Absent when the
   * placement preempted nothing (older agents ignore it).
   */
  readonly preempts?: readonly string[];
  /** Why the engine placed it here (the scheduler's reason, e.g. `placed`), for the event stream; absent on refreshed entries and from older engines. */
  readonly reason?: string;
}

/** `state/<name>/<machineId>`: systemd's view of a unit on one machine. */
export interface UnitStateRecord {
  readonly name: string;
  readonly machineId: string;
  readonly loadState: LoadState;
  readonly activeState: ActiveState;
  readonly subState: SubState;
  /** Hash of the unit body the agent loaded. */
  readonly hash: string;
  /** When the agent observed this state, milliseconds since the Unix epoch. */
  readonly timestamp: number;
  /** systemd's restart counter (`NRestarts`) when the agent reports it; absent from older agents and drivers without it. */
  readonly restarts?: number;
}

type Json = Record<string, unknown>;

function parseObject(key: string, raw: string): Json {
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch (err) {
    throw new CorruptRecordError(key, `not JSON (${(err as Error).message})`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new CorruptRecordError(key, 'not a JSON object');
  return v as Json;
}

function str(key: string, o: Json, field: string): string {
  const v = o[field];
  if (typeof v !== 'string') throw new CorruptRecordError(key, `field ${field} is not a string`);
  return v;
}

function stringMap(key: string, o: Json, field: string): Record<string, string> {
  const v = o[field] ?? {};
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new CorruptRecordError(key, `field ${field} is not an object`);
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v)) {
    if (typeof x !== 'string') throw new CorruptRecordError(key, `field ${field}.${k} is not a string`);
    out[k] = x;
  }
  return out;
}

function boolMap(key: string, o: Json, field: string): Record<string, boolean> {
  const v = o[field] ?? {};
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new CorruptRecordError(key, `field ${field} is not an object`);
  const out: Record<string, boolean> = {};
  for (const [k, x] of Object.entries(v)) {
    if (typeof x !== 'boolean') throw new CorruptRecordError(key, `field ${field}.${k} is not a boolean`);
    out[k] = x;
  }
  return out;
}

function desired(key: string, v: unknown): DesiredState {
  if (!isDesiredState(v)) throw new CorruptRecordError(key, `invalid value ${JSON.stringify(v)} for desired state`);
  return v;
}

/** Serializes a unit record in the current format (stable field order), text inline for older fleetds. */
export function encodeUnit(u: UnitWithText): string {
  return JSON.stringify({
    version: UNIT_RECORD_VERSION,
    name: u.name,
    options: u.options.map((o) => ({ section: o.section, name: o.name, value: o.value })),
    text: u.text,
    hash: u.hash,
  });
}

/** A unit record as stored: the record, its format and the text kept inline (format 1 and 2 writers). */
export interface StoredUnit {
  readonly record: UnitRecord;
  /** {@link UNIT_RECORD_VERSION} of the writer; 1 for records without a version field. */
  readonly version: number;
  /** The inline text, undefined when the record has none. */
  readonly inlineText: string | undefined;
}

/** Decodes `units/<name>` with its format details; throws {@link CorruptRecordError} (also for a newer format). */
export function decodeStoredUnit(key: string, raw: string): StoredUnit {
  const o = parseObject(key, raw);
  const version = o['version'] ?? 1;
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) throw new CorruptRecordError(key, `invalid record version ${JSON.stringify(version)}`);
  if (version > UNIT_RECORD_VERSION) {
    throw new CorruptRecordError(key, `unit record format ${version} is newer than this fleetd reads (${UNIT_RECORD_VERSION}); upgrade this fleetd`);
  }
  const opts = o['options'];
  if (!Array.isArray(opts)) throw new CorruptRecordError(key, 'field options is not an array');
  const options = opts.map((x: unknown, i): UnitOption => {
    if (typeof x !== 'object' || x === null) throw new CorruptRecordError(key, `options[${i}] is not an object`);
    const ox = x as Json;
    return { section: str(key, ox, 'section'), name: str(key, ox, 'name'), value: str(key, ox, 'value') };
  });
  // Format 1 has no body: its inline text is the only copy.
  const inlineText = version === 1 || o['text'] !== undefined ? str(key, o, 'text') : undefined;
  return { record: { name: str(key, o, 'name'), options, hash: str(key, o, 'hash') }, version, inlineText };
}

/** Decodes `units/<name>`; throws {@link CorruptRecordError}. */
export function decodeUnit(key: string, raw: string): UnitRecord {
  return decodeStoredUnit(key, raw).record;
}

/** Serializes a desired state (the bare word, like fleet's target-state). */
export function encodeDesired(s: DesiredState): string {
  return s;
}

/** Decodes `desired/<name>`; throws {@link CorruptRecordError}. */
export function decodeDesired(key: string, raw: string): DesiredState {
  return desired(key, raw);
}

/** Serializes a machine record. */
export function encodeMachine(m: MachineRecord): string {
  return JSON.stringify({ id: m.id, publicIP: m.publicIP, metadata: m.metadata, version: m.version, capabilities: m.capabilities, ...(m.apiEndpoint ? { apiEndpoint: m.apiEndpoint } : {}), ...(m.instance ? { instance: m.instance } : {}), ...(m.resources ? { resources: m.resources } : {}), ...(m.held !== undefined && m.held.length > 0 ? { held: m.held } : {}) });
}

/** Decodes `machines/<id>`; throws {@link CorruptRecordError}. */
export function decodeMachine(key: string, raw: string): MachineRecord {
  const o = parseObject(key, raw);
  return {
    id: str(key, o, 'id'),
    publicIP: typeof o['publicIP'] === 'string' ? (o['publicIP'] as string) : '',
    metadata: stringMap(key, o, 'metadata'),
    version: typeof o['version'] === 'string' ? (o['version'] as string) : '',
    capabilities: boolMap(key, o, 'capabilities'),
    ...(typeof o['apiEndpoint'] === 'string' && o['apiEndpoint'] !== '' ? { apiEndpoint: o['apiEndpoint'] as string } : {}),
    ...(typeof o['instance'] === 'string' && o['instance'] !== '' ? { instance: o['instance'] as string } : {}),
    ...(o['resources'] !== undefined ? { resources: machineResources(key, o['resources']) } : {}),
    ...(heldUnits(key, o['held'])),
  };
}

/** The `held` field: a list of unit names (an unknown entry makes the record corrupt). */
function heldUnits(key: string, v: unknown): { held?: readonly string[] } {
  if (v === undefined) return {};
  if (!Array.isArray(v) || v.some((n) => typeof n !== 'string' || unitNameProblem(n) !== undefined)) throw new CorruptRecordError(key, 'field held is not a list of unit names');
  return v.length > 0 ? { held: v as string[] } : {};
}

function machineResources(key: string, v: unknown): MachineResources {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new CorruptRecordError(key, 'field resources is not an object');
  const o = v as Json;
  return { capacity: amounts(key, o, 'capacity'), reserved: amounts(key, o, 'reserved'), allocated: amounts(key, o, 'allocated') };
}

function amounts(key: string, o: Json, field: string): ResourceAmounts {
  const r = amountsFrom(o[field]);
  if (!r.ok) throw new CorruptRecordError(key, `field resources.${field} ${r.reason}`);
  return r.amounts;
}

/** Serializes a schedule entry. */
export function encodeSchedule(e: ScheduleEntry): string {
  return JSON.stringify({ machineId: e.machineId, name: e.name, hash: e.hash, targetState: e.targetState, ...(e.preempts !== undefined && e.preempts.length > 0 ? { preempts: e.preempts } : {}), ...(e.reason !== undefined ? { reason: e.reason } : {}) });
}

/** Decodes `schedule/<machineId>/<name>`; throws {@link CorruptRecordError}. */
export function decodeSchedule(key: string, raw: string): ScheduleEntry {
  const o = parseObject(key, raw);
  const preempts = o['preempts'];
  if (preempts !== undefined && (!Array.isArray(preempts) || !preempts.every((p) => typeof p === 'string'))) throw new CorruptRecordError(key, 'field preempts is not a list of unit names');
  return {
    machineId: str(key, o, 'machineId'),
    name: str(key, o, 'name'),
    hash: str(key, o, 'hash'),
    targetState: desired(key, o['targetState']),
    ...(preempts !== undefined && preempts.length > 0 ? { preempts: preempts as string[] } : {}),
    ...(typeof o['reason'] === 'string' ? { reason: o['reason'] } : {}),
  };
}

/** Serializes a unit state report. */
export function encodeState(s: UnitStateRecord): string {
  return JSON.stringify({
    name: s.name,
    machineId: s.machineId,
    loadState: s.loadState,
    activeState: s.activeState,
    subState: s.subState,
    hash: s.hash,
    timestamp: s.timestamp,
    ...(s.restarts !== undefined ? { restarts: s.restarts } : {}),
  });
}

function systemdState<T extends string>(key: string, o: Json, field: string, is: (v: unknown) => v is T): T {
  const v = str(key, o, field);
  if (!is(v)) throw new CorruptRecordError(key, `field ${field} is not a systemd ${field}: ${JSON.stringify(v)}`);
  return v;
}

/** Decodes `state/<name>/<machineId>`; throws {@link CorruptRecordError}. */
export function decodeState(key: string, raw: string): UnitStateRecord {
  const o = parseObject(key, raw);
  const ts = o['timestamp'];
  if (typeof ts !== 'number' || !Number.isFinite(ts)) throw new CorruptRecordError(key, 'field timestamp is not a number');
  return {
    name: str(key, o, 'name'),
    machineId: str(key, o, 'machineId'),
    loadState: systemdState(key, o, 'loadState', isLoadState),
    activeState: systemdState(key, o, 'activeState', isActiveState),
    subState: str(key, o, 'subState'),
    hash: str(key, o, 'hash'),
    timestamp: ts,
    ...restartsOf(key, o),
  };
}

function restartsOf(key: string, o: Json): { restarts?: number } {
  const n = o['restarts'];
  if (n === undefined) return {};
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) throw new CorruptRecordError(key, 'field restarts is not a count');
  return { restarts: n };
}

/**
 * fleet's metadata merge: start from the machine's configured metadata, then
 * apply dynamic metadata in key order, where an empty value deletes the key
 * (that is how the API's "delete" is stored, so it also hides configured
 * values). Returns a new object with keys sorted.
 */
export function mergeMetadata(
  configured: Readonly<Record<string, string>>,
  dynamic: ReadonlyMap<string, string>,
): Record<string, string> {
  const merged = new Map(Object.entries(configured));
  for (const k of [...dynamic.keys()].sort()) {
    const v = dynamic.get(k)!;
    if (v === '') merged.delete(k);
    else merged.set(k, v);
  }
  return Object.fromEntries([...merged.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** Each machine with its dynamic metadata merged in ({@link mergeMetadata}), in the given order. */
export function withDynamicMetadata(machines: readonly MachineRecord[], dynamic: ReadonlyMap<string, ReadonlyMap<string, string>>): MachineRecord[] {
  return machines.map((m) => ({ ...m, metadata: mergeMetadata(m.metadata, dynamic.get(m.id) ?? new Map()) }));
}

/**
 * `engine/unplaced/<name>`: why the engine leader left an active unit without
 * a machine, as it decided it (written fenced, only when it changes, deleted
 * once the unit is placed, inactive or gone). The API answers `explain` from
 * this record instead of re-deriving the engine's decision.
 */
export interface UnplacedRecord {
  readonly name: string;
  /** Content hash of the unit body the engine decided for (an answer for another body is stale). */
  readonly hash: string;
  /** `unschedulable`: no machine passes the filters; `invalid`: the unit's `[X-Fleet]` options cannot be used. */
  readonly status: 'unschedulable' | 'invalid';
  /** One line for operators, e.g. `0 of 5 machines eligible: 3 by Conflicts (web@*), 2 by MachineMetadata (region=eu)`. */
  readonly message: string;
  /** The scheduler's structured explanation (per-filter counts), passed through as JSON; absent for `invalid`. */
  readonly explanation?: unknown;
}

/** Serializes an apply-set membership (`applied/<unit>`): `{"set":"web"}`. */
export function encodeApplied(set: string): string {
  return JSON.stringify({ set });
}

/** Decodes `applied/<unit>` to the set name; throws {@link CorruptRecordError}. */
export function decodeApplied(key: string, raw: string): string {
  const set = str(key, parseObject(key, raw), 'set');
  const problem = applySetNameProblem(set);
  if (problem !== undefined) throw new CorruptRecordError(key, `invalid apply set name ${JSON.stringify(set)}: ${problem}`);
  return set;
}

/** Serializes an unplaced record. */
export function encodeUnplaced(r: UnplacedRecord): string {
  return JSON.stringify({ name: r.name, hash: r.hash, status: r.status, message: r.message, ...(r.explanation !== undefined ? { explanation: r.explanation } : {}) });
}

/** Decodes `engine/unplaced/<name>`; throws {@link CorruptRecordError}. */
export function decodeUnplaced(key: string, raw: string): UnplacedRecord {
  const o = parseObject(key, raw);
  const status = o['status'];
  if (status !== 'unschedulable' && status !== 'invalid') throw new CorruptRecordError(key, `field status is not unschedulable|invalid: ${JSON.stringify(status)}`);
  return {
    name: str(key, o, 'name'),
    hash: str(key, o, 'hash'),
    status,
    message: str(key, o, 'message'),
    ...(o['explanation'] !== undefined ? { explanation: o['explanation'] } : {}),
  };
}

/** One schedule change the engine leader made, with its reason (see {@link DecisionsRecord}). */
export interface DecisionNote {
  readonly kind: 'schedule' | 'unschedule';
  readonly unit: string;
  readonly machine: string;
  /** The scheduler's reason, e.g. `placed`, `rescheduled: machine m2 went away`. */
  readonly reason: string;
}

/**
 * `engine/decisions`: why the schedule changes written in the same
 * transaction were made (the engine writes it for unschedules, which as
 * deletes carry no value; a placement's reason is in its entry). Written as one more op of the engine's fenced
 * schedule transaction (no extra request, no extra revision), overwritten by
 * the next; the event stream joins it with the schedule changes of its revision.
 */
export interface DecisionsRecord {
  readonly decisions: readonly DecisionNote[];
}

/** Serializes a decisions record. */
export function encodeDecisions(r: DecisionsRecord): string {
  return JSON.stringify({ decisions: r.decisions.map((d) => ({ kind: d.kind, unit: d.unit, machine: d.machine, reason: d.reason })) });
}

/** Decodes `engine/decisions`; throws {@link CorruptRecordError}. */
export function decodeDecisions(key: string, raw: string): DecisionsRecord {
  const o = parseObject(key, raw);
  const list = o['decisions'];
  if (!Array.isArray(list)) throw new CorruptRecordError(key, 'field decisions is not an array');
  return {
    decisions: list.map((d: unknown, i) => {
      if (typeof d !== 'object' || d === null) throw new CorruptRecordError(key, `decisions[${i}] is not an object`);
      const x = d as Json;
      const kind = x['kind'];
      if (kind !== 'schedule' && kind !== 'unschedule') throw new CorruptRecordError(key, `decisions[${i}].kind is not schedule|unschedule`);
      return { kind, unit: str(key, x, 'unit'), machine: str(key, x, 'machine'), reason: str(key, x, 'reason') };
    }),
  };
}

/**
 * `engine/anomaly`: something the engine leader's detectors noticed (a unit
 * failing or flapping, a machine lost, a unit unplaced too long, a leader
 * change), written once per detection and overwritten by the next; the
 * event stream reads it from the watch history.
 */
export interface AnomalyRecord {
  /** Which detector: `unit-failing`, `unit-flapping`, `machine-lost`, `unit-unplaced`, `leader-changed`. */
  readonly anomaly: string;
  readonly unit?: string;
  readonly machine?: string;
  /** One line for operators. */
  readonly message: string;
  /** When it was detected, ms since the Unix epoch. */
  readonly detectedAt: number;
}

/** Serializes an anomaly record. */
export function encodeAnomaly(r: AnomalyRecord): string {
  return JSON.stringify({
    anomaly: r.anomaly,
    ...(r.unit !== undefined ? { unit: r.unit } : {}),
    ...(r.machine !== undefined ? { machine: r.machine } : {}),
    message: r.message,
    detectedAt: r.detectedAt,
  });
}

/** Decodes `engine/anomaly`; throws {@link CorruptRecordError}. */
export function decodeAnomaly(key: string, raw: string): AnomalyRecord {
  const o = parseObject(key, raw);
  const at = o['detectedAt'];
  if (typeof at !== 'number' || !Number.isFinite(at)) throw new CorruptRecordError(key, 'field detectedAt is not a number');
  const opt = (f: string) => (o[f] === undefined ? {} : { [f]: str(key, o, f) });
  return { anomaly: str(key, o, 'anomaly'), ...opt('unit'), ...opt('machine'), message: str(key, o, 'message'), detectedAt: at };
}

/**
 * From registry changes to cluster events (pure). Each change carries its
 * key's previous value (the watch asks etcd for it), so no view of the
 * cluster has to be kept: "submitted" is a unit key that did not exist,
 * "failed" a state report whose ActiveState became `failed`, and so on.
 */
import { isoTime } from '../clock.js';
import type { DecisionNote, RegistryChange, RegistryEvent, UnitStateRecord } from '../registry/index.js';
import { rolloutEvents } from './rollout-events.js';
import type { FleetEvent, UnitStates } from './types.js';

/**
 * The events of `changes`, all of ONE revision (a transaction's changes
 * arrive together), in the order of the changes. `nowMs` stamps events that
 * carry no time of their own. Changes that mean nothing to an operator
 * (bodies, policy, a record rewritten unchanged) give no event.
 */
export function deriveEvents(changes: readonly RegistryChange[], nowMs: number): FleetEvent[] {
  const reasons = decisionReasons(changes);
  const out: FleetEvent[] = [];
  for (const change of changes) out.push(...eventsOf(change, reasons, nowMs));
  return out;
}

/**
 * Splits a watch batch (revision order) into runs of one revision and
 * derives each ({@link deriveEvents}).
 */
export function deriveBatch(changes: readonly RegistryChange[], nowMs: number): FleetEvent[] {
  const out: FleetEvent[] = [];
  let start = 0;
  for (let i = 1; i <= changes.length; i++) {
    if (i === changes.length || changes[i]!.event.revision !== changes[start]!.event.revision) {
      out.push(...deriveEvents(changes.slice(start, i), nowMs));
      start = i;
    }
  }
  return out;
}

type Reasons = ReadonlyMap<string, string>;

function reasonKey(kind: DecisionNote['kind'], unit: string, machine: string): string {
  return `${kind}\0${unit}\0${machine}`;
}

/** The engine's reasons written in the same revision (`engine/decisions`), by (kind, unit, machine). */
function decisionReasons(changes: readonly RegistryChange[]): Reasons {
  const out = new Map<string, string>();
  for (const { event } of changes) {
    if (event.kind !== 'decisions' || event.decisions === undefined) continue;
    for (const d of event.decisions.decisions) out.set(reasonKey(d.kind, d.unit, d.machine), d.reason);
  }
  return out;
}

function eventsOf({ event: ev, before }: RegistryChange, reasons: Reasons, nowMs: number): FleetEvent[] {
  const revision = Number(ev.revision);
  const time = isoTime(nowMs);
  switch (ev.kind) {
    case 'unit': {
      const was = before?.kind === 'unit' ? before.unit : undefined;
      if (ev.unit === undefined) return [{ revision, time, type: 'unit.destroyed', unit: ev.name }];
      if (was === undefined) return [{ revision, time, type: 'unit.submitted', unit: ev.name, hash: ev.unit.hash }];
      if (was.hash === ev.unit.hash) return [];
      return [{ revision, time, type: 'unit.replaced', unit: ev.name, hash: ev.unit.hash, previousHash: was.hash }];
    }
    case 'desired': {
      const was = before?.kind === 'desired' ? before.desired : undefined;
      if (ev.desired === undefined || ev.desired === was) return [];
      return [{ revision, time, type: 'unit.desired', unit: ev.name, desiredState: ev.desired, ...(was !== undefined ? { previous: was } : {}) }];
    }
    case 'schedule': {
      const existed = before?.kind === 'schedule' && before.entry !== undefined;
      if (ev.entry === undefined) {
        const reason = reasons.get(reasonKey('unschedule', ev.name, ev.machineId));
        return [{ revision, time, type: 'unit.unscheduled', unit: ev.name, machine: ev.machineId, ...(reason !== undefined ? { reason } : {}) }];
      }
      if (existed) return []; // a kept entry refreshed (new hash or target state): the unit/desired events tell
      const reason = ev.entry.reason ?? reasons.get(reasonKey('schedule', ev.name, ev.machineId));
      return [{ revision, time, type: 'unit.scheduled', unit: ev.name, machine: ev.machineId, hash: ev.entry.hash, ...(reason !== undefined ? { reason } : {}) }];
    }
    case 'state':
      return ev.state === undefined ? [] : stateEvents(revision, ev.state, before?.kind === 'state' ? before.state : undefined);
    case 'unplaced': {
      const was = before?.kind === 'unplaced' ? before.unplaced : undefined;
      if (ev.unplaced === undefined || (was?.message === ev.unplaced.message && was.status === ev.unplaced.status)) return [];
      return [{ revision, time, type: 'unit.unplaceable', unit: ev.name, status: ev.unplaced.status, message: ev.unplaced.message }];
    }
    case 'machine':
      return machineEvents(revision, time, ev.machineId, ev.machine, before?.kind === 'machine' ? before.machine : undefined);
    case 'machineMetadata': {
      const was = before?.kind === 'machineMetadata' ? before.value : undefined;
      const now = ev.value === undefined || ev.value === '' ? null : ev.value;
      if (now === (was === undefined || was === '' ? null : was)) return [];
      return [{ revision, time, type: 'machine.metadata', machine: ev.machineId, changed: { [ev.key]: now } }];
    }
    case 'leader': {
      const was = before?.kind === 'leader' ? before.machineId : undefined;
      if (ev.machineId === was) return [];
      return [{ revision, time, type: 'leader.changed', ...(ev.machineId !== undefined ? { machine: ev.machineId } : {}), ...(was !== undefined ? { previous: was } : {}) }];
    }
    case 'anomaly': {
      const a = ev.anomaly;
      if (a === undefined) return [];
      const type = `anomaly.${a.anomaly}`;
      if (!ANOMALY_TYPES.has(type)) return [];
      return [
        {
          revision,
          time: isoTime(a.detectedAt),
          type: type as `anomaly.${'unit-failing'}`,
          message: a.message,
          ...(a.unit !== undefined ? { unit: a.unit } : {}),
          ...(a.machine !== undefined ? { machine: a.machine } : {}),
        },
      ];
    }
    case 'rollout':
      return rolloutEvents(revision, time, ev.group, ev.rollout, before?.kind === 'rollout' ? before.rollout : undefined);
    case 'decisions':
    case 'body':
    case 'policy':
      return [];
  }
}

const ANOMALY_TYPES: ReadonlySet<string> = new Set(['anomaly.unit-failing', 'anomaly.unit-flapping', 'anomaly.machine-lost', 'anomaly.unit-unplaced', 'anomaly.leader-changed']);

function states(s: UnitStateRecord): UnitStates {
  return { loadState: s.loadState, activeState: s.activeState, subState: s.subState };
}

function stateEvents(revision: number, s: UnitStateRecord, was: UnitStateRecord | undefined): FleetEvent[] {
  const time = isoTime(s.timestamp);
  const same = was !== undefined && was.loadState === s.loadState && was.activeState === s.activeState && was.subState === s.subState && was.hash === s.hash;
  if (same && was.restarts === s.restarts) return [];
  const out: FleetEvent[] = [
    {
      revision,
      time,
      type: 'unit.state',
      unit: s.name,
      machine: s.machineId,
      hash: s.hash,
      ...states(s),
      ...(was !== undefined ? { previous: states(was) } : {}),
      ...(s.restarts !== undefined ? { restarts: s.restarts } : {}),
    },
  ];
  if (s.activeState === 'failed' && was?.activeState !== 'failed') out.push({ revision, time, type: 'unit.failed', unit: s.name, machine: s.machineId, subState: s.subState });
  return out;
}

function machineEvents(revision: number, time: string, id: string, now: Extract<RegistryEvent, { kind: 'machine' }>['machine'], was: typeof now): FleetEvent[] {
  if (now === undefined) return [{ revision, time, type: 'machine.left', machine: id }];
  if (was === undefined) return [{ revision, time, type: 'machine.joined', machine: id, publicIP: now.publicIP, metadata: now.metadata }];
  const changed: Record<string, string | null> = {};
  for (const [k, v] of Object.entries(now.metadata)) if (was.metadata[k] !== v) changed[k] = v;
  for (const k of Object.keys(was.metadata)) if (!(k in now.metadata)) changed[k] = null;
  return Object.keys(changed).length === 0 ? [] : [{ revision, time, type: 'machine.metadata', machine: id, changed }];
}

/**
 * `fleetctl events` text output: one line per event,
 * `TIME  TYPE  SUBJECT: DETAIL` (pure). `-o json` prints the wire object instead.
 */
import type { FleetEvent, UnitStates } from '../../src/events/index.js';

const states = (s: UnitStates): string => `${s.loadState}/${s.activeState}/${s.subState}`;
const short = (hash: string): string => hash.slice(0, 7);
const where = (e: { unit?: string; machine?: string }): string => [e.unit, e.machine !== undefined ? `on ${e.machine}` : undefined].filter((x) => x !== undefined).join(' ');

/** What the event says, after its time and type. */
export function eventDetail(e: FleetEvent): string {
  switch (e.type) {
    case 'unit.submitted':
      return `${e.unit} (${short(e.hash)})`;
    case 'unit.replaced':
      return `${e.unit} (${short(e.previousHash)} -> ${short(e.hash)})`;
    case 'unit.destroyed':
      return e.unit;
    case 'unit.desired':
      return `${e.unit} ${e.desiredState}${e.previous !== undefined ? ` (was ${e.previous})` : ''}`;
    case 'unit.scheduled':
      return `${e.unit} on ${e.machine}${e.reason !== undefined ? `: ${e.reason}` : ''}`;
    case 'unit.unscheduled':
      return `${e.unit} from ${e.machine}${e.reason !== undefined ? `: ${e.reason}` : ''}`;
    case 'unit.state':
      return `${e.unit} on ${e.machine}: ${states(e)}${e.previous !== undefined ? ` (was ${states(e.previous)})` : ''}${e.restarts !== undefined && e.restarts > 0 ? `, ${e.restarts} restarts` : ''}`;
    case 'unit.failed':
      return `${e.unit} on ${e.machine}: ${e.subState}`;
    case 'unit.unplaceable':
      return `${e.unit}: ${e.message}`;
    case 'machine.joined':
      return [e.machine, e.publicIP, ...Object.entries(e.metadata).map(([k, v]) => `${k}=${v}`)].filter((x) => x !== '').join(' ');
    case 'machine.left':
      return e.machine;
    case 'machine.metadata':
      return `${e.machine} ${Object.entries(e.changed).map(([k, v]) => (v === null ? `-${k}` : `${k}=${v}`)).join(' ')}`;
    case 'leader.changed':
      return `${e.machine ?? 'none'}${e.previous !== undefined ? ` (was ${e.previous})` : ''}`;
    case 'rollout.started':
      return `${e.unit} (${e.kind}) ${short(e.fromHash)} -> ${short(e.toHash)}`;
    case 'rollout.batch-started':
    case 'rollout.batch-healthy':
    case 'rollout.batch-failed':
      return `${e.unit} ${e.batchKind} batch ${e.batch}: ${e.targets.join(' ')}${'reason' in e && e.reason !== undefined ? ` (${e.reason})` : ''}`;
    case 'rollout.failed':
    case 'rollout.reverting':
    case 'rollout.reverted':
    case 'rollout.done':
      return `${e.unit}${e.message !== undefined ? `: ${e.message}` : ''}`;
    default:
      return `${where(e) === '' ? '' : `${where(e)}: `}${e.message}`;
  }
}

/** One line (without the newline). */
export function eventLine(e: FleetEvent): string {
  return `${e.time}  ${e.type.padEnd(17)}  ${eventDetail(e)}`;
}

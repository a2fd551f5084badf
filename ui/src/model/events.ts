/**
 * Cluster events as the dashboard receives them from the event stream, and
 * how each one changes the picture (pure). What an event does not carry
 * (a new unit's body, a machine's resources) is named in the result so the
 * shell fetches just that.
 */
import { isRunning } from '../../../src/domain/systemd-state.js';
import { extractRequirements } from '../../../src/units/xfleet.js';
import { dropState, putState, type ApiUnit, type ClusterData } from './cluster.js';

/**
 * One event on the wire (`GET /fleet/v1/events`): the fields every event
 * has, and the optional ones the kinds the dashboard applies carry.
 */
export interface ClusterEvent {
  readonly type: string;
  readonly revision: number;
  readonly time: string;
  readonly unit?: string;
  readonly machine?: string;
  readonly hash?: string;
  readonly desiredState?: string;
  readonly loadState?: string;
  readonly activeState?: string;
  readonly subState?: string;
  readonly publicIP?: string;
  readonly metadata?: Readonly<Record<string, string>>;
  readonly changed?: Readonly<Record<string, string | null>>;
  readonly reason?: string;
  readonly message?: string;
  readonly status?: string;
  readonly previous?: unknown;
  readonly restarts?: number;
}

/** What the shell must fetch after applying events. */
export interface ApplyResult {
  /** Units whose record (options) is new or replaced. */
  readonly units: Set<string>;
  /** True when machines' resources may have changed (something was (un)scheduled, a machine joined). */
  readonly machines: boolean;
}

/** True when `unit`'s `[X-Fleet]` says `Global=true` (the scheduler's reading). */
export function isGlobal(unit: ApiUnit): boolean {
  const options = (unit.options ?? []).map((o) => ({ section: o.section, name: o.name, value: o.value ?? '' }));
  return extractRequirements(options, unit.name).requirements.global;
}

/**
 * Applies `events` (in stream order) to `data`. Applying an event twice, or
 * one the listing already contained, changes nothing more.
 */
export function applyEvents(data: ClusterData, events: readonly ClusterEvent[]): ApplyResult {
  const units = new Set<string>();
  let machines = false;
  for (const e of events) {
    const name = e.unit;
    const unit = name !== undefined ? data.units.get(name) : undefined;
    switch (e.type) {
      case 'unit.submitted':
      case 'unit.replaced':
        if (name === undefined) break;
        if (unit === undefined) data.units.set(name, { name, desiredState: 'inactive', currentState: 'inactive' });
        units.add(name);
        break;
      case 'unit.destroyed':
        if (name === undefined) break;
        data.units.delete(name);
        data.states.delete(name);
        units.delete(name);
        machines = true;
        break;
      case 'unit.desired':
        if (unit !== undefined && isDesired(e.desiredState)) data.units.set(unit.name, { ...unit, desiredState: e.desiredState });
        break;
      case 'unit.scheduled':
        if (unit !== undefined && e.machine !== undefined && !isGlobal(unit)) data.units.set(unit.name, { ...unit, machineID: e.machine, currentState: 'inactive' });
        machines = true;
        break;
      case 'unit.unscheduled':
        if (name === undefined || e.machine === undefined) break;
        dropState(data, name, e.machine);
        if (unit !== undefined && unit.machineID === e.machine) {
          const { machineID: _gone, ...rest } = unit;
          data.units.set(unit.name, { ...rest, currentState: 'inactive' });
        }
        machines = true;
        break;
      case 'unit.state':
        if (name === undefined || e.machine === undefined) break;
        putState(data, {
          name,
          machineID: e.machine,
          ...(e.hash !== undefined ? { hash: e.hash } : {}),
          ...(e.loadState !== undefined ? { systemdLoadState: e.loadState } : {}),
          ...(e.activeState !== undefined ? { systemdActiveState: e.activeState } : {}),
          ...(e.subState !== undefined ? { systemdSubState: e.subState } : {}),
        });
        if (unit !== undefined && unit.machineID === e.machine) data.units.set(unit.name, { ...unit, currentState: isRunning(e.activeState ?? '') ? 'launched' : 'loaded' });
        break;
      case 'machine.joined':
        if (e.machine === undefined) break;
        data.machines.set(e.machine, {
          ...data.machines.get(e.machine),
          id: e.machine,
          ...(e.publicIP ? { primaryIP: e.publicIP } : {}),
          ...(e.metadata && Object.keys(e.metadata).length > 0 ? { metadata: { ...e.metadata } } : {}),
        });
        machines = true;
        break;
      case 'machine.left':
        if (e.machine === undefined) break;
        data.machines.delete(e.machine);
        for (const [unitName, byMachine] of [...data.states]) if (byMachine.has(e.machine)) dropState(data, unitName, e.machine);
        break;
      case 'machine.metadata': {
        const m = e.machine !== undefined ? data.machines.get(e.machine) : undefined;
        if (m === undefined || e.changed === undefined) break;
        const metadata: Record<string, string> = { ...m.metadata };
        for (const [k, v] of Object.entries(e.changed)) {
          if (v === null) delete metadata[k];
          else metadata[k] = v;
        }
        data.machines.set(m.id, { ...m, metadata });
        break;
      }
      default:
        break;
    }
  }
  return { units, machines };
}

function isDesired(s: string | undefined): s is 'inactive' | 'loaded' | 'launched' {
  return s === 'inactive' || s === 'loaded' || s === 'launched';
}

/** One line describing `e` for the events pane. */
export function describeEvent(e: ClusterEvent): string {
  const on = e.machine !== undefined ? ` on ${e.machine.slice(0, 8)}` : '';
  switch (e.type) {
    case 'unit.submitted':
      return `${e.unit} submitted`;
    case 'unit.replaced':
      return `${e.unit} replaced (${(e.hash ?? '').slice(0, 7)})`;
    case 'unit.destroyed':
      return `${e.unit} destroyed`;
    case 'unit.desired':
      return `${e.unit} desired state ${e.desiredState}`;
    case 'unit.scheduled':
      return `${e.unit} scheduled${on}${e.reason ? `: ${e.reason}` : ''}`;
    case 'unit.unscheduled':
      return `${e.unit} unscheduled${on}${e.reason ? `: ${e.reason}` : ''}`;
    case 'unit.state':
      return `${e.unit}${on}: ${e.loadState}/${e.activeState}/${e.subState}`;
    case 'unit.failed':
      return `${e.unit} failed${on} (${e.subState})`;
    case 'unit.unplaceable':
      return `${e.unit} cannot be placed: ${e.message}`;
    case 'machine.joined':
      return `machine ${e.machine} joined${e.publicIP ? ` (${e.publicIP})` : ''}`;
    case 'machine.left':
      return `machine ${e.machine} left`;
    case 'machine.metadata':
      return `machine ${e.machine} metadata ${Object.entries(e.changed ?? {}).map(([k, v]) => (v === null ? `-${k}` : `${k}=${v}`)).join(', ')}`;
    case 'leader.changed':
      return e.machine !== undefined ? `engine leader is now ${e.machine}` : 'no engine leader';
    default:
      return e.message ?? `${e.type}${e.unit ? ` ${e.unit}` : ''}${on}`;
  }
}

/** How serious `e` looks: `bad` for failures and anomalies, `warn` for moves and refusals, else `info`. */
export function eventSeverity(e: ClusterEvent): 'bad' | 'warn' | 'info' {
  if (e.type === 'unit.failed' || e.type.startsWith('anomaly.') || (e.type === 'unit.state' && e.activeState === 'failed')) return 'bad';
  if (e.type === 'unit.unplaceable' || e.type === 'machine.left' || e.type === 'unit.unscheduled') return 'warn';
  return 'info';
}

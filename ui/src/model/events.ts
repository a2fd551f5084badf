/**
 * Cluster events as the dashboard receives them from the event stream, and
 * how each one changes the picture (pure). What an event does not carry
 * (a new unit's body, a machine's resources) is named in the result so the
 * shell fetches just that.
 */
import { isRunning } from '../../../src/domain/systemd-state.js';
import { extractRequirements } from '../../../src/units/xfleet.js';
import type { FleetEvent } from '../../../src/events/types.js';
import { dropState, putState, type ApiUnit, type ClusterData } from './cluster.js';

/** One event of the stream (`src/events/types.ts`: the wire format, documented in the API README). */
export type ClusterEvent = FleetEvent;

/** What the shell must fetch after applying events. */
export interface ApplyResult {
  /** Units whose record (options) is new or replaced. */
  readonly units: Set<string>;
  /** True when machines' resources may have changed (something was (un)scheduled, a machine joined). */
  readonly machines: boolean;
}

/** True when `unit`'s `[X-Fleet]` says `Global=true` (the scheduler's reading), or a listing without options said it is global. */
export function isGlobal(unit: ApiUnit): boolean {
  if (unit.global === true) return true;
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
    const unit = e.unit !== undefined ? data.units.get(e.unit) : undefined;
    switch (e.type) {
      case 'unit.submitted':
      case 'unit.replaced':
        if (unit === undefined) data.units.set(e.unit, { name: e.unit, desiredState: 'inactive', currentState: 'inactive' });
        units.add(e.unit);
        break;
      case 'unit.destroyed':
        data.units.delete(e.unit);
        data.states.delete(e.unit);
        units.delete(e.unit);
        machines = true;
        break;
      case 'unit.desired':
        if (unit !== undefined) data.units.set(unit.name, { ...unit, desiredState: e.desiredState });
        break;
      case 'unit.scheduled':
        if (unit !== undefined && !isGlobal(unit)) data.units.set(unit.name, { ...unit, machineID: e.machine, currentState: 'inactive' });
        machines = true;
        break;
      case 'unit.unscheduled':
        dropState(data, e.unit, e.machine);
        if (unit !== undefined && unit.machineID === e.machine) {
          const { machineID: _gone, ...rest } = unit;
          data.units.set(unit.name, { ...rest, currentState: 'inactive' });
        }
        machines = true;
        break;
      case 'unit.state':
        putState(data, { name: e.unit, machineID: e.machine, hash: e.hash, systemdLoadState: e.loadState, systemdActiveState: e.activeState, systemdSubState: e.subState });
        if (unit !== undefined && unit.machineID === e.machine) data.units.set(unit.name, { ...unit, currentState: isRunning(e.activeState) ? 'launched' : 'loaded' });
        break;
      case 'machine.joined':
        data.machines.set(e.machine, {
          ...data.machines.get(e.machine),
          id: e.machine,
          ...(e.publicIP ? { primaryIP: e.publicIP } : {}),
          ...(e.metadata && Object.keys(e.metadata).length > 0 ? { metadata: { ...e.metadata } } : {}),
        });
        machines = true;
        break;
      case 'machine.left':
        data.machines.delete(e.machine);
        for (const [unitName, byMachine] of [...data.states]) if (byMachine.has(e.machine)) dropState(data, unitName, e.machine);
        break;
      case 'machine.metadata': {
        const m = data.machines.get(e.machine);
        if (m === undefined) break;
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

/** How serious `e` looks: `bad` for failures and anomalies, `warn` for moves and refusals, else `info`. */
export function eventSeverity(e: ClusterEvent): 'bad' | 'warn' | 'info' {
  if (e.type === 'unit.failed' || e.type.startsWith('anomaly.') || (e.type === 'unit.state' && e.activeState === 'failed')) return 'bad';
  if (e.type === 'unit.unplaceable' || e.type === 'machine.left' || e.type === 'unit.unscheduled') return 'warn';
  return 'info';
}

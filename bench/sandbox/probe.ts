import { BusConnection } from '../../src/systemd/dbus-connection.js';
import { ManagerCalls } from '../../src/systemd/manager-calls.js';
import type { UnitState } from '../../src/systemd/driver.js';
import type { ClusterHost } from '../../src/sandbox/cluster.js';
import { systemClock } from '../../src/clock.js';

/** How long a probe waits for systemd's answer, ms. */
const CALL_TIMEOUT_MS = 10_000;

/**
 * Asks one sandbox host's systemd what it runs, over its session bus from
 * outside (one call per poll, no process spawned). It only calls: no
 * Subscribe and no match rule, so systemd's signals (several per unit
 * state change) are not routed to it, and no per-unit property reads.
 */
export class SystemdProbe {
  private constructor(
    readonly host: ClusterHost,
    private readonly conn: BusConnection,
    private readonly calls: ManagerCalls,
  ) {}

  /** Connects to `host`'s bus. Rejects when the bus does not answer. */
  static async connect(host: ClusterHost): Promise<SystemdProbe> {
    const conn = await BusConnection.open(host.host.busAddress, systemClock, CALL_TIMEOUT_MS, { onSignal: () => undefined, onLost: () => undefined });
    return new SystemdProbe(host, conn, new ManagerCalls(conn, CALL_TIMEOUT_MS));
  }

  /** States of `names` as systemd reports them (unknown ones: `not-found`). */
  states(names: readonly string[]): Promise<UnitState[]> {
    return this.calls.listUnitsByNames(names);
  }

  /**
   * States of the units systemd holds in memory: one ListUnits call that
   * loads nothing (asking by name for 1,000 units a host does not run made
   * its systemd look for 1,000 unit files per poll, competing with the
   * agent's own calls). A running unit is always among them.
   */
  loaded(): Promise<UnitState[]> {
    return this.calls.listUnits();
  }

  /** Disconnects. Never throws. */
  async close(): Promise<void> {
    this.conn.close();
  }
}

/** True when systemd reports the unit active and running. */
export function isRunning(s: UnitState): boolean {
  return s.activeState === 'active' && s.subState === 'running';
}

/** True when systemd has the unit loaded but not running (or no longer knows it). */
export function isStopped(s: UnitState): boolean {
  return s.loadState === 'not-found' || s.activeState === 'inactive' || s.activeState === 'failed';
}

/** True when systemd no longer knows the unit at all. */
export function isGone(s: UnitState): boolean {
  return s.loadState === 'not-found';
}

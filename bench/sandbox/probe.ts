import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { DbusSystemdDriver } from '../../src/systemd/dbus-driver.js';
import type { UnitState } from '../../src/systemd/driver.js';
import type { ClusterHost } from '../../src/sandbox/cluster.js';

/**
 * Asks one sandbox host's systemd what it runs, over its session bus from
 * outside (one ListUnitsByNames call per poll, no process spawned), so
 * polling costs the host little and answers in about a millisecond.
 */
export class SystemdProbe {
  private constructor(
    readonly host: ClusterHost,
    private readonly driver: DbusSystemdDriver,
  ) {}

  /** Connects to `host`'s bus. Rejects when the bus does not answer. */
  static async connect(host: ClusterHost): Promise<SystemdProbe> {
    // The probe never loads units; its units dir only has to exist and stay empty.
    const unitsDir = mkdtempSync(join(host.host.scratchDir, 'bench-probe-'));
    const driver = await DbusSystemdDriver.connect({ scope: 'user', busAddress: host.host.busAddress, unitsDir, resyncIntervalMs: 3_600_000 });
    return new SystemdProbe(host, driver);
  }

  /** States of `names` as systemd reports them (unknown ones: `not-found`). */
  states(names: readonly string[]): Promise<UnitState[]> {
    return this.driver.listStates(names);
  }

  /** Disconnects. Never throws. */
  async close(): Promise<void> {
    await this.driver.close().catch(() => undefined);
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

import { join } from 'node:path';
import { DbusSystemdDriver } from '../../src/systemd/dbus-driver.js';
import type { SystemdDriver } from '../../src/systemd/driver.js';
import { FakeSystemdDriver } from '../../src/systemd/fake-driver.js';
import { startBusProxy } from './sandbox-bus-proxy.js';
import type { SandboxHost } from '../../src/sandbox/host.js';

/**
 * A driver under test plus the faults the contract suite injects. Both the
 * fake and the real driver come wrapped in one, so one suite runs on both.
 */
export interface DriverHarness {
  readonly driver: SystemdDriver;
  /** The driver's call timeout (what a stalled call fails after). */
  readonly callTimeoutMs: number;
  /** Makes systemd stop answering (real: SIGSTOP the user manager). */
  stall(): Promise<void>;
  /** Undoes {@link stall}. */
  resume(): Promise<void>;
  /** Cuts the driver's bus connection once; the driver must reconnect on its own. */
  breakConnection(): Promise<void>;
  /** Unloads what the test left, closes the driver, resumes systemd. Never throws. */
  cleanup(): Promise<void>;
}

/** Harness over the in-memory twin. */
export async function fakeHarness(callTimeoutMs = 300): Promise<DriverHarness> {
  const driver = new FakeSystemdDriver({ callTimeoutMs });
  return {
    driver,
    callTimeoutMs,
    stall: async () => driver.stall(),
    resume: async () => driver.resume(),
    breakConnection: async () => driver.simulateBusLoss(50),
    cleanup: async () => {
      driver.resume();
      await driver.close();
    },
  };
}

let seq = 0;

/**
 * Harness over the real D-Bus driver in user scope on `host`, connected
 * through a fault-injection proxy, with its own units directory.
 */
export async function dbusHarness(host: SandboxHost, callTimeoutMs = 1500): Promise<DriverHarness> {
  const n = ++seq;
  const proxy = await startBusProxy(join(host.runtimeDir, `proxy-${n}.sock`), host.busAddress);
  let stalled = false;
  const resume = async (): Promise<void> => {
    if (!stalled) return;
    stalled = false;
    process.kill(host.systemdPid, 'SIGCONT');
  };
  let driver: DbusSystemdDriver;
  try {
    driver = await DbusSystemdDriver.connect(
      { scope: 'user', busAddress: proxy.address, unitsDir: join(host.runtimeDir, `fleet-units-${n}`), callTimeoutMs, resyncIntervalMs: 500, reconnectInitialMs: 50, reconnectMaxMs: 500 },
      host.env,
    );
  } catch (err) {
    await proxy.close();
    throw err;
  }
  return {
    driver,
    callTimeoutMs,
    stall: async () => {
      stalled = true;
      process.kill(host.systemdPid, 'SIGSTOP');
    },
    resume,
    breakConnection: async () => proxy.dropAll(),
    cleanup: async () => {
      await resume();
      try {
        for (let i = 0; i < 50 && !driver.connected; i++) await new Promise((r) => setTimeout(r, 20));
        for (const name of await driver.managedUnits()) await driver.unload(name).catch(() => undefined);
        await driver.reload().catch(() => undefined);
      } catch {
        // best effort: the host is torn down after the suite anyway
      }
      await driver.close();
      await proxy.close();
    },
  };
}

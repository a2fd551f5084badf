/**
 * Integration files share one sandbox cluster between their tests (starting
 * one costs seconds). So that one failing test does not cascade into the
 * next, a test declared through {@link resetAfterFailure} puts the cluster
 * back to a clean slate when it fails: etcd up and writable, every host and
 * fleetd running, no units. Passing tests leave the cluster as they end
 * (files whose tests build on each other keep doing so).
 */
import { test as nodeTest, type TestContext, type TestOptions } from 'node:test';
import type { SandboxCluster } from '../../src/sandbox/cluster.js';
import { waitFor } from './wait.js';

/**
 * Brings `c` back to: etcd running, not paused, no NOSPACE alarm; every host
 * powered on with its fleetd running and registered; no units in the
 * registry and no unit states reported (so none is loaded on any host).
 */
export async function resetCluster(c: SandboxCluster, timeoutMs = 60_000): Promise<void> {
  c.etcd.resume();
  if (c.etcd.pid === undefined) await c.etcd.restart();
  await c.etcd.setNoSpaceAlarm(false).catch(() => undefined);
  for (const h of [...c.hosts]) {
    if (h.host.processes().length === 0) await c.restartHost(h);
    else if (h.fleetd === undefined || h.fleetd.exitCode !== null || h.fleetd.signalCode !== null) c.startFleetd(h);
  }
  await waitFor('every host registered again', async () => (await c.registry.api.listMachines()).length === c.hosts.length, timeoutMs);
  for (const u of await c.registry.api.listUnits()) await c.registry.api.destroyUnit(u.unit.name).catch(() => undefined);
  await waitFor('no units scheduled', async () => (await c.registry.api.listSchedule()).length === 0, timeoutMs);
  await waitFor('no unit states reported', async () => (await c.registry.api.listStates()).length === 0, timeoutMs);
}

type Body = (t: TestContext) => Promise<void> | void;

/**
 * node:test's `test`, for a file sharing `cluster()`: when a test fails, the
 * cluster is reset ({@link resetCluster}) before the failure is reported, so
 * the next test starts clean. A reset that fails is reported as a diagnostic
 * of the failed test.
 */
export function resetAfterFailure(cluster: () => SandboxCluster | undefined): (name: string, a: TestOptions | Body, b?: Body) => void {
  return (name, a, b) => {
    const options = typeof a === 'function' ? {} : a;
    const body = typeof a === 'function' ? a : b!;
    void nodeTest(name, options, async (t) => {
      try {
        await body(t);
      } catch (err) {
        const c = cluster();
        if (c !== undefined) await resetCluster(c).catch((e: unknown) => t.diagnostic(`cluster reset after the failure failed too: ${(e as Error).message}`));
        throw err;
      }
    });
  };
}

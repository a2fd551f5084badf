import { readFileSync } from 'node:fs';
import { sleeper } from '../../test/support/units.js';
import type { ClusterHost } from '../../src/sandbox/cluster.js';
import { cpuMsOf, rssOf } from '../lib/machine.js';
import { waitUntil } from '../lib/wait.js';
import type { BenchCluster } from './bench-cluster.js';
import { SystemdTimeoutError } from '../../src/systemd/errors.js';
import { fleetdMemory, memoryExtras } from './fleetd-memory.js';

/** What one run of a scenario measured: the headline figure and any extras. */
export interface RunFigure {
  /** The scenario's figure, ms (or bytes for RSS scenarios, see `unit`). */
  readonly value: number;
  /** Secondary figures (e.g. time until a new leader), by name. */
  readonly extra?: Readonly<Record<string, number>>;
}

/** One scenario of the sandbox benchmark. */
export interface Scenario {
  readonly name: string;
  readonly description: string;
  /** CoreOS fleet v1.0 on this machine kind (issue 6), as printed. */
  readonly fleet: string;
  readonly target: string;
  /** Target in the figure's unit, for the met/missed column; undefined = no numeric target. */
  readonly targetValue?: number;
  readonly unit: 'ms' | 'bytes';
  /** `agent_ttl` the cluster must run with; scenarios with different needs get their own cluster. */
  readonly agentTtl: string;
  /** One run on a clean cluster; must leave it clean (or say `dirties`). */
  run(c: BenchCluster, run: number): Promise<RunFigure>;
}

let serial = 0;
/** Fresh unit names per run, so no run sees another's leftovers. */
function names(prefix: string, n: number): string[] {
  const s = ++serial;
  return Array.from({ length: n }, (_, i) => `${prefix}-r${s}-${i}.service`);
}

async function startAndWait(c: BenchCluster, unitNames: readonly string[], xfleet = ''): Promise<number> {
  const units = unitNames.map((n) => sleeper(n, xfleet));
  const t0 = performance.now();
  await c.start(units);
  await c.waitRunning(unitNames);
  return performance.now() - t0;
}

/** VmRSS of the fleetd on `h` (its node process: the spawn chain execs, so the PID is node's). */
export function fleetdRss(h: ClusterHost): number {
  const pid = h.fleetd?.pid;
  if (pid === undefined) return NaN;
  const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  if (!cmd.includes('fleetd')) throw new Error(`pid ${pid} is not fleetd: ${cmd.replace(/\0/g, ' ')}`);
  return rssOf(pid) ?? NaN;
}

/**
 * {@link BenchCluster.waitRunning}, but a poll that systemd did not answer in
 * time (a host busy starting 1,000 units, a loaded machine) is retried
 * instead of failing the run; the run still fails after 300 s (the figure is memory, not time).
 */
async function waitRunningPatiently(c: BenchCluster, unitNames: readonly string[]): Promise<void> {
  const deadline = performance.now() + 300_000;
  for (;;) {
    try {
      await c.waitRunning(unitNames, { timeoutMs: Math.max(1, deadline - performance.now()) });
      return;
    } catch (err) {
      if (!(err instanceof SystemdTimeoutError) || performance.now() > deadline) throw err;
    }
  }
}

const SECOND = 1000;

/**
 * Watches the fleetd on `h` for `ms` without asking it anything: its VmRSS
 * each second (the most seen) and the CPU time it used (user+sys, ms).
 */
async function idleWindow(h: ClusterHost, ms: number): Promise<{ maxRss: number; cpuMs: number }> {
  const pid = h.fleetd?.pid;
  if (pid === undefined) throw new Error(`no fleetd on host ${h.index}`);
  const cpu0 = cpuMsOf(pid) ?? NaN;
  let maxRss = 0;
  for (let t = 0; t < ms; t += SECOND) {
    await new Promise((r) => setTimeout(r, Math.min(SECOND, ms - t)));
    maxRss = Math.max(maxRss, rssOf(pid) ?? NaN);
  }
  return { maxRss, cpuMs: (cpuMsOf(pid) ?? NaN) - cpu0 };
}

/** What the 1,000-unit scenarios share: no fleet v1.0 figure, issue 10's 10 s target. */
const THOUSAND = { fleet: 'n/a (documented unfit past 1,000 units)', target: '<= 10 s', targetValue: 10 * SECOND, unit: 'ms', agentTtl: '30s' } as const;

/** The scenarios in issue 6, in the order they are printed. */
export const SCENARIOS: readonly Scenario[] = [
  {
    name: 'start-1',
    description: 'start 1 unit -> active/running',
    fleet: '~4.3 s',
    target: '<= 300 ms',
    targetValue: 300,
    unit: 'ms',
    agentTtl: '30s',
    async run(c) {
      const [n] = names('one', 1);
      const ms = await startAndWait(c, [n!]);
      await c.clean();
      return { value: ms };
    },
  },
  {
    name: 'start-100',
    description: 'start 100 units -> all running',
    fleet: '~4.8 s',
    target: '<= 1.5 s',
    targetValue: 1500,
    unit: 'ms',
    agentTtl: '30s',
    async run(c) {
      const ms = await startAndWait(c, names('hundred', 100));
      await c.clean();
      return { value: ms };
    },
  },
  {
    name: 'destroy-100',
    description: 'destroy 100 units -> gone from systemd and registry',
    fleet: '~165 s',
    target: '<= 2 s',
    targetValue: 2000,
    unit: 'ms',
    agentTtl: '30s',
    async run(c) {
      const ns = names('doomed', 100);
      await startAndWait(c, ns);
      const t0 = performance.now();
      await c.launcher.destroy(ns);
      await c.waitGone(ns);
      return { value: performance.now() - t0 };
    },
  },
  {
    name: 'global',
    description: 'Global=true unit -> running on all 3 hosts',
    fleet: '~3.8 s',
    target: '<= 500 ms',
    targetValue: 500,
    unit: 'ms',
    agentTtl: '30s',
    async run(c) {
      const [n] = names('everywhere', 1);
      const t0 = performance.now();
      await c.start([sleeper(n!, 'Global=true')]);
      await c.waitRunning([n!], { everywhere: true });
      const ms = performance.now() - t0;
      await c.clean();
      return { value: ms };
    },
  },
  {
    name: 'leader-kill',
    description: 'engine leader SIGKILL -> a unit submitted right after is running (extra: new leader elected)',
    fleet: '~10 s new leader; ~13 s running (up to 28 s)',
    target: '<= 6 s',
    targetValue: 6 * SECOND,
    unit: 'ms',
    agentTtl: '30s',
    async run(c) {
      const leader = await c.leaderHost();
      if (leader === undefined) throw new Error('no leader');
      const [n] = names('after-failover', 1);
      const t0 = performance.now();
      await c.cluster.stopFleetd(leader, 'SIGKILL');
      await c.start([sleeper(n!)]);
      let electedMs = NaN;
      const elected = waitUntil('a new leader', async () => {
        const h = await c.leaderHost();
        if (h === undefined || h === leader) return false;
        electedMs = performance.now() - t0;
        return true;
      }, 60_000, 20);
      // The killed host's systemd still runs; a unit placed on its (still registered) machine is
      // "running" only once moved after agent_ttl, so count only the surviving hosts.
      await c.waitRunning([n!], { hosts: c.liveHosts(), timeoutMs: 120_000 });
      const ms = performance.now() - t0;
      await elected;
      // Bring the host back: its fleetd restarts (keeps running units) and the cluster is whole again.
      c.cluster.startFleetd(leader);
      await c.settle(90_000);
      await c.clean();
      return { value: ms, extra: { newLeaderMs: electedMs } };
    },
  },
  ...([['30s', 30], ['5s', 5]] as const).map(
    ([ttl, secs]): Scenario => ({
      name: `host-kill-ttl${secs}`,
      description: `host SIGKILL (not the leader), agent_ttl ${ttl} -> its 10 units running elsewhere`,
      fleet: secs === 30 ? '~23-27 s' : '~9.8 s',
      target: `<= ${secs + 1} s (agent_ttl + 1 s)`,
      targetValue: (secs + 1) * SECOND,
      unit: 'ms',
      agentTtl: ttl,
      async run(c) {
        const ns = names(`victim${secs}`, 30);
        const where = await (async () => {
          await startAndWait(c, ns);
          return c.waitRunning(ns);
        })();
        const leader = await c.leaderHost();
        // The non-leader host running the most of these units: killing an
        // empty host would measure nothing (one early run did exactly that).
        const unitsOn = (h: ClusterHost) => ns.filter((n) => where.get(n)?.includes(h));
        const victim = c
          .liveHosts()
          .filter((h) => h !== leader)
          .sort((a, b) => unitsOn(b).length - unitsOn(a).length)[0];
        const onVictim = victim === undefined ? [] : unitsOn(victim);
        if (victim === undefined || onVictim.length === 0) throw new Error('no non-leader host runs any of the units; nothing to measure');
        const t0 = performance.now();
        await c.forget(victim);
        await c.cluster.killHost(victim);
        const survivors = c.liveHosts().filter((h) => h !== victim);
        await c.waitRunning(onVictim, { hosts: survivors, timeoutMs: (secs + 60) * SECOND });
        const ms = performance.now() - t0;
        await c.cluster.addHost();
        await c.settle(90_000);
        await c.clean();
        return { value: ms, extra: { unitsMoved: onVictim.length } };
      },
    }),
  ),
  {
    name: 'start-1000',
    description: 'start 1000 units -> all running (extra: max fleetd RSS, MiB)',
    ...THOUSAND,
    async run(c) {
      const ms = await startAndWait(c, names('thousand', 1000));
      const rss = Math.max(...c.liveHosts().map(fleetdRss));
      await c.clean();
      return { value: ms, extra: { maxFleetdRssMiB: rss / 2 ** 20 } };
    },
  },
  ...(['destroy', 'stop', 'unload'] as const).map(
    (verb): Scenario => ({
      name: `${verb}-1000`,
      description:
        verb === 'destroy'
          ? 'destroy 1000 running units -> gone from systemd and registry'
          : verb === 'stop'
            ? 'stop 1000 running units -> inactive in systemd'
            : 'unload 1000 running units -> gone from systemd (still submitted)',
      ...THOUSAND,
      async run(c) {
        const ns = names(`${verb}k`, 1000);
        await startAndWait(c, ns);
        const t0 = performance.now();
        if (verb === 'destroy') {
          await c.launcher.destroy(ns);
          await c.waitGone(ns);
        } else {
          await c.launcher[verb](ns);
          await c.waitStopped(ns, { unloaded: verb === 'unload' });
        }
        const ms = performance.now() - t0;
        if (verb !== 'destroy') await c.clean();
        return { value: ms };
      },
    }),
  ),
  {
    name: 'rss-1000-one-host',
    description:
      'fleetd RSS on a host running 1000 units, the most from 3 s to 30 s after all run (VmRSS each second, idle; MachineID-pinned to the engine leader; extra: whether it leads the engine, RSS before, start time, V8 heap at 3 s and 30 s, fleetd CPU in between)',
    fleet: 'n/a',
    target: '<= 80 MB',
    targetValue: 80 * 1e6,
    unit: 'bytes',
    agentTtl: '30s',
    async run(c) {
      // The engine leader (its heap is 4-6 MiB larger after the burst: its cache and passes), so every run measures the larger role.
      const h = (await c.leaderHost()) ?? c.liveHosts()[0]!;
      const before = await fleetdMemory(h);
      const unitNames = names('packed', 1000);
      const t0 = performance.now();
      await c.start(unitNames.map((n) => sleeper(n, `MachineID=${h.machineId}`)));
      await waitRunningPatiently(c, unitNames);
      const ms = performance.now() - t0;
      await new Promise((r) => setTimeout(r, 3000)); // let batches and GC settle
      const at3s = await fleetdMemory(h);
      // Idle with 1,000 units: the target must hold here too, not only right after the burst.
      const idle = await idleWindow(h, 27_000);
      const at30s = await fleetdMemory(h);
      // Leadership may have moved meanwhile: say which role was measured.
      const leads = (await c.leaderHost()) === h ? 1 : 0;
      await c.clean();
      const most = Math.max(at3s.rss, idle.maxRss, at30s.rss);
      return {
        value: most,
        extra: { leads, ...memoryExtras('before', before), startMs: ms, ...memoryExtras('at3s', at3s), ...memoryExtras('at30s', at30s), idleMaxRssMiB: most / 2 ** 20, idleCpuMs: idle.cpuMs },
      };
    },
  },
];

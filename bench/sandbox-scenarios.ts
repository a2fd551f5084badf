/**
 * The six scenarios CoreOS fleet v1.0 was measured with (issue 6), plus
 * 1,000 units and fleetd RSS, on a real sandbox cluster: one etcd, 3 hosts
 * each with a real `systemd --user` and a real fleetd, default settings
 * (agent_ttl 30 s unless noted, engine_lease_ttl 5 s). Units are
 * `ExecStart=/bin/sleep 100000`. Each scenario runs `--runs` times (default
 * 3) and prints the median beside fleet's figure.
 *
 * "Start" means: create the unit(s) with desired state launched through the
 * registry's API role (the etcd writes the API makes), then wait until
 * systemd on a host reports active/running (polled over D-Bus), i.e. what
 * `fleetctl start` blocking waits for. `--launcher fleetctl` submits with
 * the fleetctl binary instead (`node dist/fleetctl-bundle/main.js --driver etcd`),
 * `--launcher fleetctl-api` through host 0's API (the default driver, as
 * operators use it), and then also prints how long each fleetctl command
 * took to return.
 *
 *   npm run build && node dist/bench/sandbox-scenarios.js [--runs 3] [--scenarios start-1,global,...] [--launcher registry|fleetctl|fleetctl-api]
 *     [--fleetd-node-args='--max-semi-space-size=1 ...'  (instead of the fleetd bin's flags, to try V8 settings)]
 */
import { runAsScript } from './lib/entry.js';
import { BenchArgs } from './lib/args.js';
import { describeContext, runContext } from './lib/machine.js';
import { saveResults } from './lib/results.js';
import { formatMiB, formatMs, median, table } from './lib/stats.js';
import { BenchCluster } from './sandbox/bench-cluster.js';
import { SCENARIOS, type RunFigure, type Scenario } from './sandbox/scenarios.js';
import { FleetctlLauncher, type UnitLauncher } from './sandbox/launcher.js';

/** How many invocations of each fleetctl command the launcher has timed so far. */
function returnedCounts(l: UnitLauncher): Map<string, number> {
  return l instanceof FleetctlLauncher ? new Map([...l.returned].map(([k, v]) => [k, v.length])) : new Map();
}

/** Adds the time each fleetctl command of this run took to return (`<command>ReturnedMs`) to the figure's extras. */
function withReturnTimes(f: RunFigure, l: UnitLauncher, before: Map<string, number>): RunFigure {
  if (!(l instanceof FleetctlLauncher)) return f;
  const extra: Record<string, number> = { ...(f.extra ?? {}) };
  for (const [cmd, times] of l.returned) {
    const fresh = times.slice(before.get(cmd) ?? 0);
    if (fresh.length > 0) extra[`${cmd}ReturnedMs`] = fresh.reduce((a, b) => a + b, 0);
  }
  return { ...f, extra };
}

/** One scenario's outcome. */
export interface ScenarioResult {
  readonly name: string;
  readonly description: string;
  readonly fleet: string;
  readonly target: string;
  readonly unit: 'ms' | 'bytes';
  readonly runs: RunFigure[];
  readonly median: number;
  readonly met: boolean | undefined;
  readonly error?: string;
}

function format(value: number, unit: 'ms' | 'bytes'): string {
  return unit === 'ms' ? formatMs(value) : formatMiB(value);
}

/** Runs the selected scenarios; prints the table and returns the results. */
export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<ScenarioResult[]> {
  const args = new BenchArgs(argv);
  const runs = args.number('runs', 3);
  const wanted = args.list('scenarios', SCENARIOS.map((s) => s.name));
  const unknown = wanted.filter((w) => !SCENARIOS.some((s) => s.name === w));
  if (unknown.length > 0) throw new RangeError(`unknown scenario(s) ${unknown.join(', ')}; known: ${SCENARIOS.map((s) => s.name).join(', ')}`);
  const selected = SCENARIOS.filter((s) => wanted.includes(s.name));
  const ctx = runContext();
  console.log(`sandbox scenarios: 3 hosts (real systemd --user + fleetd), one etcd, ${runs} run(s) each`);
  console.log(describeContext(ctx));

  // Scenarios sharing an agent_ttl share a cluster (each leaves it clean).
  const results: ScenarioResult[] = [];
  const byTtl = new Map<string, Scenario[]>();
  for (const s of selected) byTtl.set(s.agentTtl, [...(byTtl.get(s.agentTtl) ?? []), s]);
  let launcherLabel = '';
  for (const [ttl, scenarios] of byTtl) {
    const nodeArgs = args.string('fleetd-node-args');
    const c = await BenchCluster.start({
      hosts: 3,
      agentTtl: ttl,
      engineLeaseTtl: '5s',
      label: 'bn',
      launcher: args.string('launcher') ?? 'registry',
      ...(nodeArgs !== undefined ? { nodeArgs: nodeArgs.split(' ').filter(Boolean) } : {}),
    });
    launcherLabel = c.launcher.label;
    try {
      for (const s of scenarios) {
        const figures: RunFigure[] = [];
        let error: string | undefined;
        for (let r = 0; r < runs && error === undefined; r++) {
          try {
            const seen = returnedCounts(c.launcher);
            const f0 = await s.run(c, r);
            const f = withReturnTimes(f0, c.launcher, seen);
            figures.push(f);
            console.log(`  ${s.name} run ${r + 1}: ${format(f.value, s.unit)}${f.extra ? ` ${JSON.stringify(roundAll(f.extra))}` : ''}`);
          } catch (err) {
            error = String((err as Error)?.message ?? err);
            console.log(`  ${s.name} run ${r + 1} FAILED: ${error}`);
            await c.clean().catch(() => undefined);
          }
        }
        const m = median(figures.map((f) => f.value));
        results.push({ name: s.name, description: s.description, fleet: s.fleet, target: s.target, unit: s.unit, runs: figures, median: m, met: s.targetValue === undefined || figures.length === 0 ? undefined : m <= s.targetValue, ...(error ? { error } : {}) });
      }
    } finally {
      await c.stop();
    }
  }

  console.log(`\nsubmitted via: ${launcherLabel}; times measured until systemd reports the state`);
  console.log(
    table(
      ['scenario', 'fleet v1.0', 'target', 'ours (median)', 'runs', 'met'],
      results.map((r) => [
        r.description,
        r.fleet,
        r.target,
        r.runs.length === 0 ? 'failed' : format(r.median, r.unit),
        r.runs.map((f) => format(f.value, r.unit)).join(', ') + (r.error ? ' (failed run)' : ''),
        r.met === undefined ? '-' : r.met ? 'yes' : 'NO',
      ]),
    ),
  );
  const path = saveResults('sandbox-scenarios', { runs, launcher: launcherLabel, results }, ctx);
  if (path) console.log(`results: ${path}`);
  return results;
}

function roundAll(o: Readonly<Record<string, number>>): Record<string, number> {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, Math.round(v * 10) / 10]));
}

runAsScript(import.meta.url, () => main());

/**
 * Cost per unit: how many etcd writes one started unit costs, who makes
 * them, and what a change elsewhere costs an uninvolved host (goal: no
 * reads, no events at all). Engine, agents (fake systemd) and the API
 * client run in this process on a real etcd, each on its own connection
 * wrapped in a counting KvBackend; etcd's own /metrics give the totals.
 *
 *   npm run build && node dist/bench/cost-per-unit.js [--units 100] [--hosts 3] [--idle-seconds 10] [--distinct-bodies]
 *
 * By default the units share one text (one body key for all of them, like
 * instances of one template); `--distinct-bodies` gives each its own text.
 */
import { pathToFileURL } from 'node:url';
import { unitRecord } from '../test/support/units.js';
import { BenchArgs } from './lib/args.js';
import type { KvCounts } from './lib/counting-kv.js';
import { etcdTarget } from './lib/etcd-target.js';
import { describeActivity, etcdActivity, readEtcdMetrics, type EtcdActivity } from './lib/etcd-metrics.js';
import { InprocCluster, type HollowHost } from './lib/inproc-cluster.js';
import { describeContext, runContext } from './lib/machine.js';
import { saveResults } from './lib/results.js';
import { table } from './lib/stats.js';
import { waitUntil } from './lib/wait.js';

/** Counters of every component over one phase. */
export interface PhaseCost {
  readonly phase: string;
  readonly api: KvCounts;
  readonly engine: KvCounts;
  /** Sum over the involved agents. */
  readonly agents: KvCounts;
  /** The agent that runs nothing touched by the phase. */
  readonly uninvolved: KvCounts;
  readonly etcd: EtcdActivity;
  readonly seconds: number;
}

const WORKER = 'MachineMetadata=role=worker';

async function running(hosts: readonly HollowHost[], names: readonly string[]): Promise<number> {
  let n = 0;
  for (const h of hosts) n += (await h.driver.listStates(names)).filter((s) => s.subState === 'running').length;
  return n;
}

/** Runs the benchmark; prints per-phase tables and returns the phases. */
export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<PhaseCost[]> {
  const args = new BenchArgs(argv);
  const units = args.number('units', 100);
  const hostCount = args.number('hosts', 3);
  const idleSeconds = args.number('idle-seconds', 10);
  const distinct = args.bool('distinct-bodies', false);
  const ctx = runContext();
  console.log(`cost per unit: ${units} units (${distinct ? 'each its own text' : 'one shared text'}) on ${hostCount} worker agents + 1 uninvolved agent (in process, fake systemd, real etcd)`);
  console.log(describeContext(ctx));
  const etcd = await etcdTarget(args);
  const cluster = new InprocCluster(etcd.endpoint);
  const phases: PhaseCost[] = [];
  try {
    const workers: HollowHost[] = [];
    for (let i = 1; i <= hostCount; i++) workers.push(await cluster.addHost(i, { role: 'worker' }));
    const spare = await cluster.addHost(hostCount + 1, { role: 'spare' });
    await cluster.startEngine();
    await waitUntil('engine leads', () => cluster.engine!.engine.active, 10_000);
    await new Promise((r) => setTimeout(r, 300));

    const names = Array.from({ length: units }, (_, i) => `cost-${i}.service`);
    const phase = async (label: string, act: () => Promise<void>): Promise<void> => {
      const all = [cluster.api, cluster.engine!, ...workers, spare];
      for (const c of all) c.kv.take();
      const before = await readEtcdMetrics(etcd.endpoint);
      const t0 = performance.now();
      await act();
      const seconds = (performance.now() - t0) / 1000;
      const after = await readEtcdMetrics(etcd.endpoint);
      const agents = workers.map((w) => w.kv.take()).reduce(addCounts);
      phases.push({ phase: label, api: cluster.api.kv.take(), engine: cluster.engine!.kv.take(), agents, uninvolved: spare.kv.take(), etcd: etcdActivity(before, after), seconds });
    };
    const statesReported = async (want: (s: { subState: string }) => boolean, count: number) => {
      // Read through a separate, uncounted client path: api counters are reset after the action.
      const states = await cluster.api.registry.api.listStates();
      return states.filter((s) => s.name.startsWith('cost-') && want(s)).length === count;
    };

    await phase(`start ${units} units`, async () => {
      for (const n of names) await cluster.api.registry.api.createUnit(unitRecord(n, `${distinct ? `[Unit]\nDescription=${n}\n\n` : ''}[Service]\nExecStart=/bin/sleep 100000\n\n[X-Fleet]\n${WORKER}\n`), 'launched');
      const apiCounts = { ...cluster.api.kv.counts };
      await waitUntil('all running in systemd', async () => (await running(workers, names)) === units, 60_000, 20);
      await waitUntil('all states reported', () => statesReported((s) => s.subState === 'running', units), 60_000, 50);
      cluster.api.kv.counts = apiCounts; // polling reads are the benchmark's, not the API's
    });
    await phase(`idle ${idleSeconds} s`, () => new Promise((r) => setTimeout(r, idleSeconds * 1000)));
    await phase('stop 1 unit (launched -> loaded)', async () => {
      await cluster.api.registry.api.setDesiredState(names[0]!, 'loaded');
      await waitUntil('stopped', async () => (await running(workers, [names[0]!])) === 0, 10_000, 10);
      const apiCounts = { ...cluster.api.kv.counts };
      await waitUntil('state reported', async () => (await cluster.api.registry.api.listStates({ names: [names[0]!] }))[0]?.activeState === 'inactive', 10_000, 20);
      cluster.api.kv.counts = apiCounts;
    });
    await phase(`destroy ${units} units`, async () => {
      for (const n of names) await cluster.api.registry.api.destroyUnit(n);
      const apiCounts = { ...cluster.api.kv.counts };
      await waitUntil('all gone', async () => (await cluster.api.registry.api.listStates()).length === 0 && (await cluster.api.registry.api.listSchedule()).length === 0, 60_000, 50);
      cluster.api.kv.counts = apiCounts;
    });
  } finally {
    await cluster.stop();
    await etcd.stop();
  }

  const row = (who: string, c: KvCounts, per: number) => [who, String(c.calls), String(c.reads), String(c.keysRead), String(c.writeTxns), String(c.writeOps), (c.writeOps / per).toFixed(2), String(c.watchEvents)];
  for (const p of phases) {
    const per = p.phase.startsWith('start') || p.phase.startsWith('destroy') ? units : 1;
    console.log(`\n== ${p.phase} (${p.seconds.toFixed(2)} s)`);
    console.log(
      table(
        ['component', 'calls', 'reads', 'keys read', 'write txns', 'keys written', `written/${per === 1 ? 'op' : 'unit'}`, 'watch events'],
        [row('api', p.api, per), row('engine', p.engine, per), row(`agents (${hostCount})`, p.agents, per), row('uninvolved agent', p.uninvolved, per)],
      ),
    );
    console.log(`etcd: ${describeActivity(p.etcd, p.seconds)}; keys written per ${per === 1 ? 'op' : 'unit'}: ${(p.etcd.keysWritten / per).toFixed(2)}, raft proposals per ${per === 1 ? 'op' : 'unit'}: ${(p.etcd.proposals / per).toFixed(2)}`);
  }
  const start = phases[0]!;
  const total = start.api.writeOps + start.engine.writeOps + start.agents.writeOps;
  const txns = start.api.writeTxns + start.engine.writeTxns + start.agents.writeTxns;
  console.log(`\nsummary: ${(total / units).toFixed(2)} keys written per started unit (target <= 4) in ${(txns / units).toFixed(2)} write transactions per unit; uninvolved host during all phases: ${phases.reduce((a, p) => a + p.uninvolved.reads, 0)} reads, ${phases.reduce((a, p) => a + p.uninvolved.watchEvents, 0)} watch events (goal 0)`);
  const path = saveResults(distinct ? 'cost-per-unit-distinct' : 'cost-per-unit', { units, hosts: hostCount, distinctBodies: distinct, phases }, ctx);
  if (path) console.log(`results: ${path}`);
  return phases;
}

function addCounts(a: KvCounts, b: KvCounts): KvCounts {
  const out = { ...a };
  for (const k of Object.keys(b) as (keyof KvCounts)[]) out[k] += b[k];
  return out;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}

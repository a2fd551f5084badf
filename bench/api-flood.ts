/**
 * Flooding one fleetd's API (issue 14): a real fleetd on a sandbox host
 * (real etcd, real systemd) with tokens required on its loopback TCP
 * listener and fleetd's default rate limit (api_qps 50, burst 100). In
 * each phase a well-behaved second identity (`worker`, 10 requests/s, one
 * at a time) and a local client on the unix socket keep working while:
 *
 * - `idle`: nobody floods (the baseline);
 * - `one-token`: one identity offers `--factor` (10) x api_qps;
 * - `no-token`: clients without a token offer the same rate (401s);
 * - `bad-token`: clients with a wrong secret offer the same rate (401s);
 * - `many-tokens`: `--identities` (5) identities share that rate, each
 *   over its own limit.
 *
 * Printed per phase: what the flood got (by status, and 200s per second
 * per flooding identity against api_qps), the worker's and the local
 * client's latency, fleetd's RSS and CPU, and the host's own machine lease
 * (lowest remaining TTL seen, keepalive warnings in fleetd's log), which a
 * flood must not put at risk.
 *
 *   npm run bench -- api-flood [--seconds 15] [--factor 10] [--identities 5] [--connections 256] [--qps 50] [--burst 100]
 */
import { runAsScript } from './lib/entry.js';
import { Etcd3 } from 'etcd3';
import { issueToken, type Role } from '../src/auth/index.js';
import { SandboxCluster } from '../src/sandbox/cluster.js';
import { freePort } from '../src/sandbox/etcd.js';
import { BenchArgs } from './lib/args.js';
import { OpenLoop, getStatus, startProbeProcess, type FloodTarget, type ProbeResult, type StatusCounts } from './lib/flood.js';
import { cpuMsOf, describeContext, rssOf, runContext } from './lib/machine.js';
import { saveResults } from './lib/results.js';
import { formatMiB, percentile, table } from './lib/stats.js';
import { waitUntil } from './lib/wait.js';

/** What one phase measured. */
export interface PhaseResult {
  readonly phase: string;
  readonly offeredPerSecond: number;
  /** Requests the flood really sent per second (the client cannot send more than its connections carry). */
  readonly sentPerSecond: number;
  readonly flood: StatusCounts;
  /** 200 answers per second per flooding identity (compare with api_qps). */
  readonly okPerSecondPerIdentity: number;
  readonly worker: { readonly n: number; readonly notOk: number; readonly p50: number; readonly p99: number; readonly max: number };
  readonly local: { readonly n: number; readonly notOk: number; readonly p50: number; readonly p99: number; readonly max: number };
  readonly fleetdRssMaxBytes: number;
  readonly fleetdCpuPercent: number;
  readonly leaseMinRemainingS: number;
  readonly leaseGrantedS: number;
  readonly keepaliveWarnings: number;
}

function summary(p: ProbeResult): PhaseResult['worker'] {
  const notOk = Object.entries(p.counts).filter(([k]) => k !== '200').reduce((a, [, n]) => a + n, 0);
  return { n: p.latencies.length, notOk, p50: percentile(p.latencies, 50), p99: percentile(p.latencies, 99), max: Math.max(...p.latencies) };
}

/** Runs the phases `argv` asks for and prints them. @returns each phase's figures. */
export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<PhaseResult[]> {
  const args = new BenchArgs(argv);
  const seconds = args.number('seconds', 15);
  const factor = args.number('factor', 10);
  const identities = args.number('identities', 5);
  const connections = args.number('connections', 256);
  const qps = args.number('qps', 50);
  const burst = args.number('burst', 100);
  const phases = args.list('phases', ['idle', 'one-token', 'no-token', 'bad-token', 'many-tokens']);
  const rate = factor * qps;
  if (!(qps > 10)) throw new RangeError(`--qps must be above the worker's own 10 requests/s, got ${qps}`);

  console.log(describeContext(runContext()));
  console.log(`api-flood: ${seconds} s per phase, flood ${rate} requests/s (${factor} x api_qps ${qps}, burst ${burst}) over ${connections} connections`);
  const port = await freePort();
  const c = await SandboxCluster.start({ hosts: 0, label: 'flood', agentTtl: '10s' });
  const etcd = new Etcd3({ hosts: c.etcd.endpoints });
  const results: PhaseResult[] = [];
  try {
    const h = await c.addHost({ FLEET_API_LISTEN: `127.0.0.2:${port}`, FLEET_API_QPS: String(qps), FLEET_API_BURST: String(burst) });
    const tcp: FloodTarget = { host: '127.0.0.2', port };
    const unix: FloodTarget = { socketPath: h.apiSocket };
    const now = Date.now();
    const mint = async (name: string, role: Role): Promise<string> => {
      const t = issueToken({ name, role, now });
      await (name === 'admin' ? c.registry.tokens.bootstrap(t.record) : c.registry.tokens.createToken(t.record));
      return t.bearer;
    };
    await mint('admin', 'admin');
    const worker = await mint('worker', 'read');
    const flooders = await Promise.all(Array.from({ length: identities }, (_, i) => mint(`flooder-${i}`, 'read')));
    const bearer = (t: string): Record<string, string> => ({ Authorization: `Bearer ${t}` });
    await waitUntil('fleetd serves the worker token', async () => (await getStatus(tcp, '/fleet/v1/machines', bearer(worker), false)) === '200', 60_000, 200);
    const machineKey = c.registry.layout.machine(h.machineId);
    await waitUntil('machine registered', async () => (await c.registry.kv.get(machineKey)).kv !== undefined, 60_000, 200);
    const pid = h.fleetd!.pid!;

    for (const phase of phases) {
      const floods: OpenLoop[] =
        phase === 'idle'
          ? []
          : phase === 'one-token'
            ? [new OpenLoop(tcp, '/fleet/v1/units', bearer(flooders[0]!), rate, connections)]
            : phase === 'no-token'
              ? [new OpenLoop(tcp, '/fleet/v1/units', {}, rate, connections)]
              : phase === 'bad-token'
                ? [new OpenLoop(tcp, '/fleet/v1/units', bearer(`${flooders[0]!.slice(0, 17)}${'x'.repeat(43)}`), rate, connections)]
                : flooders.map((t) => new OpenLoop(tcp, '/fleet/v1/units', bearer(t), rate / identities, Math.max(1, Math.floor(connections / identities))));
      const floodIdentities = phase === 'many-tokens' ? identities : 1;
      // The probes run in their own processes: the flood's event loop here must not delay their timing.
      const [w, l] = await Promise.all([startProbeProcess(tcp, '/fleet/v1/machines', bearer(worker), 100), startProbeProcess(unix, '/fleet/v1/machines', {}, 200)]);
      const logBefore = (c.logs(h).match(/keepalive failed/g) ?? []).length;
      const cpu0 = cpuMsOf(pid) ?? NaN;
      const t0 = performance.now();
      let rssMax = 0;
      let leaseMin = Infinity;
      let granted = NaN;
      const sampler = setInterval(() => {
        rssMax = Math.max(rssMax, rssOf(pid) ?? 0);
        void (async () => {
          const kv = (await c.registry.kv.get(machineKey)).kv;
          if (kv === undefined) {
            leaseMin = 0;
            return;
          }
          const ttl = await etcd.leaseClient.leaseTimeToLive({ ID: kv.lease });
          leaseMin = Math.min(leaseMin, Number(ttl.TTL));
          granted = Number(ttl.grantedTTL);
        })().catch(() => undefined);
      }, 250);
      floods.forEach((f) => f.start());
      await new Promise((r) => setTimeout(r, seconds * 1000));
      const floodCounts: StatusCounts = {};
      for (const f of floods) for (const [k, n] of Object.entries(await f.stop())) floodCounts[k] = (floodCounts[k] ?? 0) + n;
      // Until the last flood answer: the answers counted came in over this time.
      const elapsedS = (performance.now() - t0) / 1000;
      const [wr, lr] = await Promise.all([w.stop(), l.stop()]);
      clearInterval(sampler);
      const r: PhaseResult = {
        phase,
        offeredPerSecond: floods.length === 0 ? 0 : rate,
        sentPerSecond: Object.entries(floodCounts).filter(([k]) => k !== 'not sent (backlog)').reduce((a, [, n]) => a + n, 0) / elapsedS,
        flood: floodCounts,
        okPerSecondPerIdentity: (floodCounts['200'] ?? 0) / elapsedS / floodIdentities,
        worker: summary(wr),
        local: summary(lr),
        fleetdRssMaxBytes: rssMax,
        fleetdCpuPercent: (((cpuMsOf(pid) ?? NaN) - cpu0) / (elapsedS * 1000)) * 100,
        leaseMinRemainingS: leaseMin,
        leaseGrantedS: granted,
        keepaliveWarnings: (c.logs(h).match(/keepalive failed/g) ?? []).length - logBefore,
      };
      results.push(r);
      console.log(`  ${phase}: flood ${JSON.stringify(r.flood)}; worker ${JSON.stringify(wr.counts)}; local ${JSON.stringify(lr.counts)}`);
    }

    const ms = (x: number): string => (Number.isFinite(x) ? x.toFixed(x < 10 ? 1 : 0) : 'n/a');
    console.log(`\n${table(
      ['phase', 'flood offered/sent req/s', 'flood 200/s/identity', 'flood 401', 'flood 429', 'worker p50/p99/max ms', 'worker not 200', 'local p50/p99 ms', 'fleetd RSS max', 'fleetd CPU', 'lease min TTL', 'keepalive warnings'],
      results.map((r) => [
        r.phase,
        `${r.offeredPerSecond}/${r.sentPerSecond.toFixed(0)}`,
        r.offeredPerSecond === 0 ? '-' : r.okPerSecondPerIdentity.toFixed(1),
        String(r.flood['401'] ?? 0),
        String(r.flood['429'] ?? 0),
        `${ms(r.worker.p50)}/${ms(r.worker.p99)}/${ms(r.worker.max)}`,
        `${r.worker.notOk} of ${r.worker.n}`,
        `${ms(r.local.p50)}/${ms(r.local.p99)}`,
        formatMiB(r.fleetdRssMaxBytes),
        `${r.fleetdCpuPercent.toFixed(0)}%`,
        `${r.leaseMinRemainingS}/${r.leaseGrantedS} s`,
        String(r.keepaliveWarnings),
      ]),
    )}`);
    console.log(`\napi_qps ${qps}, burst ${burst}: an identity over its limit gets at most qps + burst/${seconds} s = ${(qps + burst / seconds).toFixed(1)} answers/s.`);
    saveResults('api-flood', { seconds, factor, identities, connections, qps, burst, results });
    return results;
  } finally {
    etcd.close();
    await c.stop();
  }
}

runAsScript(import.meta.url, () => main());

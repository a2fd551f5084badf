/**
 * The chaos run: a sandbox cluster (hosts on a multi-member etcd, every
 * fleetd talking to etcd through its own fault-injecting proxies), a mixed
 * workload, then faults drawn from a seeded generator. After each fault is
 * healed it waits for convergence and judges by systemd and the registry
 * only (see judge.ts). Effects are all here; verdicts are pure.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'node:http';
import { SandboxCluster, type ClusterHost } from '../../src/sandbox/cluster.js';
import { extractRequirements } from '../../src/units/xfleet.js';
import { startFaultProxy, type FaultProxy } from '../../src/sandbox/fault-proxy.js';
import { disturbed, violations, type HostView, type Intent, type ReportedState } from './judge.js';
import { Rng } from '../lib/rng.js';
import { chaosWorkload } from './workload.js';

export const FAULT_KINDS = [
  'fleetd-kill',
  'leader-kill',
  'fleetd-freeze',
  'host-poweroff',
  'etcd-cut',
  'etcd-member-kill',
  'etcd-all-restart',
  'etcd-nospace',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** Options of {@link runChaos}. */
export interface ChaosOptions {
  readonly seed: number;
  readonly faults: number;
  readonly hosts: number;
  readonly units: number;
  readonly etcdMembers: number;
  /** agent_ttl of every fleetd, seconds. */
  readonly agentTtlS: number;
  /** Fault kinds to draw from; default all. */
  readonly kinds?: readonly FaultKind[];
  /** How long to wait for convergence after a fault is healed before counting it as a violation, ms. */
  readonly convergeTimeoutMs?: number;
  /** Progress lines. */
  readonly log?: (line: string) => void;
  /** Where to copy every fleetd's log when a fault ends with violations; default none. */
  readonly logDir?: string;
}

/** One injected fault and what followed. */
export interface FaultResult {
  readonly kind: FaultKind;
  readonly detail: string;
  /** ms from the fault being healed to no violations; undefined when it never converged. */
  readonly convergeMs: number | undefined;
  /** Whether a host was lost long enough for its units to move (goal: agent_ttl + 10 s instead of 10 s). */
  readonly hostLost: boolean;
  readonly violations: readonly string[];
}

interface Ctx {
  readonly c: SandboxCluster;
  readonly proxies: FaultProxy[][];
  readonly rng: Rng;
  readonly ttlMs: number;
}

interface Injected {
  readonly detail: string;
  readonly touched: ReadonlySet<string>;
  readonly hostLost: boolean;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** GET `path` on a host's API socket; the status, or undefined when nothing answers. */
function apiStatus(h: ClusterHost, path: string): Promise<{ status: number; body: string } | undefined> {
  return new Promise((resolve) => {
    const req = request({ socketPath: h.apiSocket, path, timeout: 1000 }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', () => resolve(undefined));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

/**
 * Waits until the fleetd on `h` answers on its API socket and lists its own
 * machine: the host is back. A restart is not instant (Node start-up and
 * registration take 0.5-5 s on a busy 2-core machine), so the outage an
 * operator sees is the sleep plus this; the caller reports both.
 */
async function fleetdBack(h: ClusterHost, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const r = await apiStatus(h, '/fleet/v1/machines');
    if (r?.status === 200 && r.body.includes(h.machineId)) return;
    await sleep(100);
  }
  throw new Error(`fleetd on ${h.machineId.slice(0, 8)} did not come back within ${timeoutMs} ms`);
}

async function leaderHost(c: SandboxCluster): Promise<ClusterHost | undefined> {
  const { kv } = await c.registry.kv.get(c.registry.layout.leader());
  return kv === undefined ? undefined : c.hosts.find((h) => h.machineId === kv.value);
}

/** Injects one fault and heals it; resolves once healed. */
async function inject(kind: FaultKind, x: Ctx): Promise<Injected> {
  const { c, rng, ttlMs } = x;
  const host = rng.pick(c.hosts);
  const short = (h: ClusterHost): string => h.machineId.slice(0, 8);
  switch (kind) {
    case 'fleetd-kill':
    case 'leader-kill': {
      const victim = kind === 'leader-kill' ? ((await leaderHost(c)) ?? host) : host;
      const down = rng.between(0, 10_000);
      const t0 = Date.now();
      await c.stopFleetd(victim, 'SIGKILL');
      await sleep(down);
      c.startFleetd(victim);
      await fleetdBack(victim);
      const out = Date.now() - t0;
      const who = kind === 'leader-kill' ? `engine leader ${short(victim)}` : `fleetd on ${short(victim)}`;
      return { detail: `${who} SIGKILLed, restarted after ${down} ms, back after ${out} ms`, touched: new Set([victim.machineId]), hostLost: out > ttlMs };
    }
    case 'fleetd-freeze': {
      const frozen = ttlMs + rng.between(1000, 4000);
      host.fleetd?.kill('SIGSTOP');
      await sleep(frozen);
      host.fleetd?.kill('SIGCONT');
      return { detail: `fleetd on ${short(host)} SIGSTOPped for ${frozen} ms`, touched: new Set([host.machineId]), hostLost: true };
    }
    case 'host-poweroff': {
      const off = ttlMs + rng.between(1000, 6000);
      await c.killHost(host);
      await sleep(off);
      await fleetdBack(await c.restartHost(host));
      return { detail: `host ${short(host)} powered off for ${off} ms, back with the same machine id`, touched: new Set([host.machineId]), hostLost: true };
    }
    case 'etcd-cut': {
      const mode = rng.pick(['blackhole', 'reset'] as const);
      const cut = rng.between(2000, 12_000);
      for (const p of x.proxies[host.index]!) p.setMode(mode);
      await sleep(cut);
      for (const p of x.proxies[host.index]!) p.setMode('pass');
      return { detail: `fleetd on ${short(host)} cut off from etcd (${mode}) for ${cut} ms`, touched: new Set([host.machineId]), hostLost: cut > ttlMs };
    }
    case 'etcd-member-kill': {
      const lead = await c.etcd.leader();
      const member = rng.next() < 0.5 && lead ? lead : rng.pick(c.etcd.members);
      const down = rng.between(0, 5000);
      await member.kill();
      await sleep(down);
      await member.restart();
      return { detail: `etcd member ${member.name}${member === lead ? ' (leader)' : ''} killed, back after ${down} ms`, touched: new Set(), hostLost: false };
    }
    case 'etcd-all-restart': {
      const down = rng.between(0, 3000);
      await c.etcd.restart({ downForMs: down });
      return { detail: `every etcd member restarted (down ${down} ms)`, touched: new Set(), hostLost: false };
    }
    case 'etcd-nospace': {
      const held = rng.between(2000, 10_000);
      await c.etcd.setNoSpaceAlarm(true);
      await sleep(held);
      await c.etcd.setNoSpaceAlarm(false);
      return { detail: `etcd refused writes (NOSPACE alarm) for ${held} ms`, touched: new Set(), hostLost: false };
    }
  }
}

/** What systemd runs on every host: chaos-* units that are active, with MainPID. */
async function observeHosts(c: SandboxCluster, down: ReadonlySet<string>): Promise<HostView[]> {
  return Promise.all(
    c.hosts.map(async (h): Promise<HostView> => {
      if (down.has(h.machineId)) return { machineId: h.machineId, up: false, active: new Map() };
      const list = await c.systemctl(h, 'list-units', '--type=service', '--state=active', '--plain', '--no-legend', 'chaos-*');
      const names = list.split('\n').map((l) => l.trim().split(/\s+/)[0]!).filter((n) => n.startsWith('chaos-'));
      const active = new Map<string, number>();
      if (names.length > 0) {
        const show = await c.systemctl(h, 'show', '-p', 'Id', '-p', 'MainPID', '-p', 'ActiveState', ...names);
        for (const block of show.split('\n\n')) {
          const f = Object.fromEntries(block.split('\n').filter(Boolean).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
          if (f['Id'] && f['ActiveState'] === 'active') active.set(f['Id'], Number(f['MainPID'] ?? 0));
        }
      }
      return { machineId: h.machineId, up: true, active };
    }),
  );
}

async function observeRegistry(c: SandboxCluster): Promise<{ intent: Intent; reports: ReportedState[] }> {
  const [units, states] = await Promise.all([c.registry.api.listUnits(), c.registry.api.listStates()]);
  const launched: string[] = [];
  const globals: string[] = [];
  for (const u of units) {
    if (u.desired !== 'launched') continue;
    const global = extractRequirements(u.unit.options, u.unit.name).requirements.global;
    (global ? globals : launched).push(u.unit.name);
  }
  const reports = states.filter((s) => s.name.startsWith('chaos-')).map((s) => ({ name: s.name, machineId: s.machineId, active: s.activeState === 'active' }));
  return { intent: { launched, globals }, reports };
}

/**
 * Polls until nothing is wrong and stays so for `settleMs` (a lease that
 * lapsed during the fault can still expire a moment after it is healed and
 * move units; judging the first clean observation would blame that on the
 * next fault). The time reported is that of the first observation of the
 * final clean stretch; the last violations when `timeoutMs` runs out.
 */
async function converge(c: SandboxCluster, timeoutMs: number, settleMs: number): Promise<{ ms: number | undefined; last: string[]; view: HostView[] }> {
  const t0 = Date.now();
  let last: string[] = ['not observed yet'];
  let view: HostView[] = [];
  let cleanSince: number | undefined;
  while (Date.now() - t0 < timeoutMs) {
    try {
      const [hosts, reg] = await Promise.all([observeHosts(c, new Set()), observeRegistry(c)]);
      view = hosts;
      last = violations(hosts, reg.intent, reg.reports);
    } catch (err) {
      last = [`observation failed: ${(err as Error).message}`];
    }
    if (last.length > 0) cleanSince = undefined;
    else {
      cleanSince ??= Date.now();
      if (Date.now() - cleanSince >= settleMs) return { ms: cleanSince - t0, last, view };
    }
    await sleep(250);
  }
  return { ms: undefined, last, view };
}

/** Runs the whole chaos run; stops every process it started, even on failure. */
export async function runChaos(o: ChaosOptions): Promise<FaultResult[]> {
  const log = o.log ?? (() => undefined);
  const rng = new Rng(o.seed);
  const ttlMs = o.agentTtlS * 1000;
  const timeoutMs = o.convergeTimeoutMs ?? ttlMs + 60_000;
  const kinds = o.kinds ?? FAULT_KINDS;
  const c = await SandboxCluster.start({ hosts: 0, etcdMembers: o.etcdMembers, agentTtl: `${o.agentTtlS}s`, label: 'chaos' });
  const proxies: FaultProxy[][] = [];
  try {
    for (let i = 0; i < o.hosts; i++) proxies.push(await Promise.all(c.etcd.endpoints.map((e) => startFaultProxy(e))));
    c.etcdEndpointsFor = (index) => proxies[index]!.map((p) => p.endpoint);
    for (let i = 0; i < o.hosts; i++) await c.addHost();
    const deadline = Date.now() + 30_000;
    while ((await c.registry.api.listMachines()).length < o.hosts) {
      if (Date.now() > deadline) throw new Error(`only ${(await c.registry.api.listMachines()).length} of ${o.hosts} machines registered`);
      await sleep(200);
    }
    const w = chaosWorkload(o.units, o.hosts);
    log(`workload: ${w.units.length} units (${w.globals.length} global) on ${o.hosts} hosts, etcd ${o.etcdMembers} members, agent_ttl ${o.agentTtlS}s, seed ${o.seed}`);
    for (const u of w.units) await c.registry.api.createUnit(u, 'launched');
    const first = await converge(c, 120_000, ttlMs);
    if (first.ms === undefined) throw new Error(`the workload never converged: ${first.last.slice(0, 5).join('; ')}`);
    log(`converged before the first fault in ${first.ms} ms`);
    const results: FaultResult[] = [];
    let before = first.view;
    for (let i = 0; i < o.faults; i++) {
      const kind = rng.pick(kinds);
      const t0 = Date.now();
      const injected = await inject(kind, { c, proxies, rng, ttlMs });
      const healedAt = new Date().toISOString().slice(11, 23);
      const after = await converge(c, timeoutMs, ttlMs);
      const broken = [...(after.ms === undefined ? after.last : []), ...(after.ms === undefined ? [] : disturbed(before, after.view, injected.touched))];
      results.push({ kind, detail: injected.detail, convergeMs: after.ms, hostLost: injected.hostLost, violations: broken });
      if (broken.length > 0 && o.logDir !== undefined) {
        mkdirSync(o.logDir, { recursive: true });
        for (const h of c.hosts) writeFileSync(join(o.logDir, `fault${i + 1}-${kind}-${h.machineId.slice(0, 8)}.log`), c.logs(h));
      }
      log(`#${i + 1} ${kind} (${new Date(t0).toISOString().slice(11, 23)}, healed ${healedAt}): ${injected.detail}; ${after.ms === undefined ? 'did NOT converge' : `converged in ${after.ms} ms`}${broken.length ? `; ${broken.length} violation(s): ${broken.slice(0, 3).join('; ')}` : ''}`);
      if (after.ms === undefined) {
        // Let the next fault start from a settled cluster if it settles late.
        const late = await converge(c, 60_000, ttlMs);
        before = late.view;
      } else {
        before = after.view;
      }
    }
    return results;
  } finally {
    await c.stop();
    await Promise.all(proxies.flat().map((p) => p.close()));
  }
}

/** Median of a non-empty list. */
function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)]!;
}

/** The per-kind table the README records. */
export function chaosTable(results: readonly FaultResult[], agentTtlS: number): string {
  const rows = [['fault', 'count', 'median converge', 'worst converge', 'goal', 'violations']];
  for (const kind of FAULT_KINDS) {
    const rs = results.filter((r) => r.kind === kind);
    if (rs.length === 0) continue;
    const times = rs.map((r) => r.convergeMs).filter((t): t is number => t !== undefined);
    const lost = rs.some((r) => r.hostLost);
    rows.push([
      kind,
      String(rs.length),
      times.length ? `${(median(times) / 1000).toFixed(1)} s` : '-',
      times.length === rs.length ? `${(Math.max(...times) / 1000).toFixed(1)} s` : 'never',
      lost ? `<= ${agentTtlS + 10} s` : '<= 10 s',
      String(rs.reduce((n, r) => n + r.violations.length, 0)),
    ]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r, j) => (j === 1 ? `${widths.map((w) => '-'.repeat(w)).join('-+-')}\n` : '') + r.map((v, i) => v.padEnd(widths[i]!)).join(' | ')).join('\n');
}

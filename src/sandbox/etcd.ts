/**
 * Starts a throwaway single-member etcd (or a small cluster of members) (Debian's etcd-server 3.4) on free
 * loopback ports with a temporary data dir, for contract and integration
 * tests. Every process is tracked by PID and killed on `stop()`, and a
 * process-exit safety net kills whatever a crashed test left behind. Nothing
 * is ever killed by name.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Options of {@link startEtcd}. */
export interface StartEtcdOptions {
  /** etcd binary; default `/usr/bin/etcd` (or `$ETCD_BIN`). */
  readonly binary?: string;
  /** How long to wait for `/health`, ms; default 15000. */
  readonly readyTimeoutMs?: number;
  /** Extra command-line flags (every member). */
  readonly extraArgs?: readonly string[];
  /** Number of members (1, 3 or 5 make sense); default 1. */
  readonly members?: number;
}

/** One etcd member of a {@link TestEtcd}. */
export interface EtcdMember {
  /** Member name (`m0`, `m1`, … ; `test` for a single member). */
  readonly name: string;
  /** This member's client URL. */
  readonly endpoint: string;
  readonly clientPort: number;
  readonly peerPort: number;
  readonly dataDir: string;
  /** PID of the member's current process; undefined while it is down or once stopped. */
  readonly pid: number | undefined;
  /** Whether the process runs (it may still be electing). */
  readonly running: boolean;
  /** Kills the member (data kept); {@link EtcdMember.restart} brings it back. */
  kill(): Promise<void>;
  /** Kills the member if it runs and starts it again on the same ports and data; resolves once its process is up (health needs a quorum, so it is not awaited). */
  restart(options?: { downForMs?: number }): Promise<void>;
  /** SIGSTOP / SIGCONT. */
  pause(): void;
  resume(): void;
}

/** A running test etcd: one member, or a cluster of members on loopback. */
export interface TestEtcd {
  /** Client URLs of every member, e.g. `['http://127.0.0.1:40123']`. */
  readonly endpoints: string[];
  /** Every member, in start order. */
  readonly members: readonly EtcdMember[];
  /** The first member's client port. */
  readonly clientPort: number;
  /** The first member's peer port. */
  readonly peerPort: number;
  /** The first member's data directory (each member's is removed by {@link TestEtcd.stop}). */
  readonly dataDir: string;
  /** PID of the first member's current process; undefined once stopped. */
  readonly pid: number | undefined;
  /** SIGTERM, then SIGKILL after 3 s, for every member; removes the data dirs. Idempotent; never throws. */
  stop(): Promise<void>;
  /** SIGSTOP every member: etcd freezes with connections open (the nastiest outage). */
  pause(): void;
  /** SIGCONT after {@link TestEtcd.pause}. */
  resume(): void;
  /** Kills every member (keeping data) and starts them again on the same ports; resolves when healthy. */
  restart(options?: { downForMs?: number }): Promise<void>;
  /** Kills every member without restarting (data kept) — for outage tests; `restart()` brings it back. */
  kill(): Promise<void>;
  /**
   * Kills every member, empties their data directories and starts them
   * again on the same ports and flags: an empty etcd, as after a lost disk
   * or `rm -rf` of the data dir (same cluster id, revision back at 1).
   * Resolves when healthy.
   */
  wipe(options?: { downForMs?: number }): Promise<void>;
  /** The member that currently leads (asked over the members' HTTP gateway); undefined when none answers. */
  leader(): Promise<EtcdMember | undefined>;
  /**
   * Raises (`true`) or clears (`false`) etcd's NOSPACE alarm, as when the
   * backend passes its space quota: while raised, etcd refuses every write
   * ("database space exceeded") and still serves reads. Throws when no member answers.
   */
  setNoSpaceAlarm(raised: boolean): Promise<void>;
}

const live = new Map<number, ChildProcess>();
const dirs = new Set<string>();
let netInstalled = false;

function installSafetyNet(): void {
  if (netInstalled) return;
  netInstalled = true;
  const killAll = (): void => {
    for (const pid of live.keys()) {
      try {
        process.kill(pid, 'SIGCONT');
        process.kill(pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  };
  process.on('exit', killAll);
  // A process ended by a signal never reaches 'exit': without these, Ctrl-C
  // on the demo or a benchmark left its etcd members running.
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      killAll();
      process.kill(process.pid, sig); // default action now that our handler is gone
    });
  }
}

/** Returns a TCP port on 127.0.0.1 that was free a moment ago. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

async function waitHealthy(url: string, child: ChildProcess, timeoutMs: number, log: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`etcd exited early (${child.exitCode ?? child.signalCode}):\n${log()}`);
    }
    try {
      const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(1000) });
      const body = (await res.json()) as { health?: string };
      if (body.health === 'true') return;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline) throw new Error(`etcd at ${url} not healthy after ${timeoutMs} ms:\n${log()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function killAndWait(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  try {
    process.kill(child.pid, 'SIGCONT');
    process.kill(child.pid, 'SIGTERM');
  } catch {
    /* gone */
  }
  const timer = setTimeout(() => {
    try {
      process.kill(child.pid!, 'SIGKILL');
    } catch {
      /* gone */
    }
  }, 3000);
  await exited;
  clearTimeout(timer);
}

/** Asks one member for its id and its leader's id (etcd's HTTP gateway of the gRPC status call). */
async function memberStatus(endpoint: string): Promise<{ member: string; leader: string } | undefined> {
  try {
    const res = await fetch(`${endpoint}/v3/maintenance/status`, { method: 'POST', body: '{}', signal: AbortSignal.timeout(1000) });
    const body = (await res.json()) as { header?: { member_id?: string }; leader?: string };
    if (!body.header?.member_id || !body.leader) return undefined;
    return { member: body.header.member_id, leader: body.leader };
  } catch {
    return undefined;
  }
}

/**
 * Starts etcd (one member, or `members` members forming one cluster on
 * loopback) and resolves once every member reports healthy. Rejects (after
 * cleaning up) if it does not start.
 */
export async function startEtcd(options: StartEtcdOptions = {}): Promise<TestEtcd> {
  installSafetyNet();
  const binary = options.binary ?? process.env['ETCD_BIN'] ?? '/usr/bin/etcd';
  const readyTimeoutMs = options.readyTimeoutMs ?? 15_000;
  const count = options.members ?? 1;
  if (!Number.isInteger(count) || count < 1 || count > 9) throw new Error(`etcd members must be 1-9, got ${count}`);
  const used = new Set<number>();
  const port = async (): Promise<number> => {
    let p = await freePort();
    while (used.has(p)) p = await freePort();
    used.add(p);
    return p;
  };
  const specs: { name: string; clientPort: number; peerPort: number; dataDir: string }[] = [];
  for (let i = 0; i < count; i++) {
    const dataDir = mkdtempSync(join(tmpdir(), 'fleet-etcd-'));
    dirs.add(dataDir);
    specs.push({ name: count === 1 ? 'test' : `m${i}`, clientPort: await port(), peerPort: await port(), dataDir });
  }
  const initialCluster = specs.map((m) => `${m.name}=http://127.0.0.1:${m.peerPort}`).join(',');
  // A single loopback member elects itself at once; several members on a
  // busy 2-core machine need more slack or they keep re-electing.
  const timing = count === 1 ? ['--heartbeat-interval', '10', '--election-timeout', '100'] : ['--heartbeat-interval', '50', '--election-timeout', '500'];
  const token = `fleet-test-${process.pid}-${specs[0]!.clientPort}`;

  const members = specs.map((spec) => {
    const clientUrl = `http://127.0.0.1:${spec.clientPort}`;
    const peerUrl = `http://127.0.0.1:${spec.peerPort}`;
    const args = [
      '--name', spec.name,
      '--data-dir', spec.dataDir,
      '--listen-client-urls', clientUrl,
      '--advertise-client-urls', clientUrl,
      '--listen-peer-urls', peerUrl,
      '--initial-advertise-peer-urls', peerUrl,
      '--initial-cluster', initialCluster,
      '--initial-cluster-state', 'new',
      '--initial-cluster-token', token,
      ...timing,
      // Let test clients ping every second without a GOAWAY.
      '--grpc-keepalive-min-time', '1s',
      '--logger', 'zap',
      '--log-outputs', 'stderr',
      '--log-level', 'error',
      ...(options.extraArgs ?? []),
    ];
    let child: ChildProcess | undefined;
    let stderr = '';
    let stopped = false;
    const alive = (): boolean => child !== undefined && child.exitCode === null && child.signalCode === null;
    const spawnIt = (): ChildProcess => {
      stderr = '';
      const c = spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
      child = c;
      if (c.pid !== undefined) live.set(c.pid, c);
      c.stderr!.on('data', (d: Buffer) => {
        stderr = (stderr + d.toString()).slice(-4000);
      });
      c.once('exit', () => {
        if (c.pid !== undefined) live.delete(c.pid);
      });
      return c;
    };
    const member = {
      name: spec.name,
      endpoint: clientUrl,
      clientPort: spec.clientPort,
      peerPort: spec.peerPort,
      dataDir: spec.dataDir,
      get pid() {
        return !stopped && alive() ? child?.pid : undefined;
      },
      get running() {
        return !stopped && alive();
      },
      spawn: spawnIt,
      healthy: () => waitHealthy(clientUrl, child!, readyTimeoutMs, () => stderr),
      async kill() {
        if (child) await killAndWait(child);
      },
      async restart(opts: { downForMs?: number } = {}) {
        if (stopped) throw new Error(`etcd member ${spec.name} was stopped`);
        if (child) await killAndWait(child);
        if (opts.downForMs) await new Promise((r) => setTimeout(r, opts.downForMs));
        spawnIt();
      },
      pause() {
        if (alive() && child?.pid !== undefined) process.kill(child.pid, 'SIGSTOP');
      },
      resume() {
        if (alive() && child?.pid !== undefined) process.kill(child.pid, 'SIGCONT');
      },
      async stop() {
        if (stopped) return;
        stopped = true;
        if (child) await killAndWait(child);
        rmSync(spec.dataDir, { recursive: true, force: true });
        dirs.delete(spec.dataDir);
      },
    };
    return member;
  });

  const launchAll = async (): Promise<void> => {
    for (const m of members) m.spawn();
    await Promise.all(members.map((m) => m.healthy()));
  };
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    await Promise.all(members.map((m) => m.stop()));
  };

  try {
    await launchAll();
  } catch (err) {
    await stop();
    throw err;
  }

  const first = members[0]!;
  return {
    endpoints: members.map((m) => m.endpoint),
    members,
    clientPort: first.clientPort,
    peerPort: first.peerPort,
    dataDir: first.dataDir,
    get pid() {
      return stopped ? undefined : first.pid;
    },
    stop,
    pause() {
      for (const m of members) m.pause();
    },
    resume() {
      for (const m of members) m.resume();
    },
    async kill() {
      await Promise.all(members.map((m) => m.kill()));
    },
    async restart(opts = {}) {
      if (stopped) throw new Error('etcd was stopped');
      await Promise.all(members.map((m) => m.kill()));
      if (opts.downForMs) await new Promise((r) => setTimeout(r, opts.downForMs));
      await launchAll();
    },
    async wipe(opts = {}) {
      if (stopped) throw new Error('etcd was stopped');
      await Promise.all(members.map((m) => m.kill()));
      for (const m of members) {
        rmSync(m.dataDir, { recursive: true, force: true });
        mkdirSync(m.dataDir, { mode: 0o700 });
      }
      if (opts.downForMs) await new Promise((r) => setTimeout(r, opts.downForMs));
      await launchAll();
    },
    async setNoSpaceAlarm(raised) {
      const m = members.find((x) => x.running);
      const st = m ? await memberStatus(m.endpoint) : undefined;
      if (!m || !st) throw new Error('no etcd member answers');
      const alarm = async (body: object): Promise<{ alarms?: { memberID?: string; alarm?: string }[] }> => {
        const res = await fetch(`${m.endpoint}/v3/maintenance/alarm`, { method: 'POST', body: JSON.stringify(body), signal: AbortSignal.timeout(3000) });
        if (!res.ok) throw new Error(`etcd alarm request failed: HTTP ${res.status} ${await res.text()}`);
        return (await res.json()) as { alarms?: { memberID?: string; alarm?: string }[] };
      };
      if (raised) {
        await alarm({ action: 'ACTIVATE', memberID: st.member, alarm: 'NOSPACE' });
        return;
      }
      const { alarms = [] } = await alarm({ action: 'GET' });
      for (const a of alarms) if (a.alarm === 'NOSPACE') await alarm({ action: 'DEACTIVATE', memberID: a.memberID, alarm: 'NOSPACE' });
    },
    async leader() {
      for (const m of members) {
        if (!m.running) continue;
        const st = await memberStatus(m.endpoint);
        if (!st) continue;
        for (const other of members) {
          if (!other.running) continue;
          const o = other === m ? st : await memberStatus(other.endpoint);
          if (o && o.member === st.leader) return other;
        }
      }
      return undefined;
    },
  };
}

/**
 * Starts a throwaway single-member etcd (Debian's etcd-server 3.4) on free
 * loopback ports with a temporary data dir, for contract and integration
 * tests. Every process is tracked by PID and killed on `stop()`, and a
 * process-exit safety net kills whatever a crashed test left behind. Nothing
 * is ever killed by name.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Options of {@link startEtcd}. */
export interface StartEtcdOptions {
  /** etcd binary; default `/usr/bin/etcd` (or `$ETCD_BIN`). */
  readonly binary?: string;
  /** How long to wait for `/health`, ms; default 15000. */
  readonly readyTimeoutMs?: number;
  /** Extra command-line flags. */
  readonly extraArgs?: readonly string[];
}

/** A running test etcd. */
export interface TestEtcd {
  /** Client URLs to give the registry, e.g. `['http://127.0.0.1:40123']`. */
  readonly endpoints: string[];
  /** The client port. */
  readonly clientPort: number;
  /** The peer port. */
  readonly peerPort: number;
  /** Data directory (removed by {@link TestEtcd.stop}). */
  readonly dataDir: string;
  /** PID of the current etcd process (changes after {@link TestEtcd.restart}); undefined once stopped. */
  readonly pid: number | undefined;
  /** SIGTERM, then SIGKILL after 3 s; removes the data dir. Idempotent; never throws. */
  stop(): Promise<void>;
  /** SIGSTOP: etcd freezes with connections open (the nastiest outage). */
  pause(): void;
  /** SIGCONT after {@link TestEtcd.pause}. */
  resume(): void;
  /** Kills etcd (keeping its data) and starts it again on the same ports; resolves when healthy. */
  restart(options?: { downForMs?: number }): Promise<void>;
  /** Kills etcd without restarting (data kept) — for outage tests; `restart()` brings it back. */
  kill(): Promise<void>;
}

const live = new Map<number, ChildProcess>();
const dirs = new Set<string>();
let netInstalled = false;

function installSafetyNet(): void {
  if (netInstalled) return;
  netInstalled = true;
  process.on('exit', () => {
    for (const pid of live.keys()) {
      try {
        process.kill(pid, 'SIGCONT');
        process.kill(pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
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

/** Starts etcd and resolves once it reports healthy. Rejects (after cleaning up) if it does not start. */
export async function startEtcd(options: StartEtcdOptions = {}): Promise<TestEtcd> {
  installSafetyNet();
  const binary = options.binary ?? process.env['ETCD_BIN'] ?? '/usr/bin/etcd';
  const readyTimeoutMs = options.readyTimeoutMs ?? 15_000;
  const dataDir = mkdtempSync(join(tmpdir(), 'fleet-etcd-'));
  dirs.add(dataDir);
  const clientPort = await freePort();
  let peerPort = await freePort();
  while (peerPort === clientPort) peerPort = await freePort();
  const clientUrl = `http://127.0.0.1:${clientPort}`;
  const peerUrl = `http://127.0.0.1:${peerPort}`;
  const args = [
    '--name', 'test',
    '--data-dir', dataDir,
    '--listen-client-urls', clientUrl,
    '--advertise-client-urls', clientUrl,
    '--listen-peer-urls', peerUrl,
    '--initial-advertise-peer-urls', peerUrl,
    '--initial-cluster', `test=${peerUrl}`,
    '--initial-cluster-state', 'new',
    // Fast elections and lease checks for a single loopback member.
    '--heartbeat-interval', '10',
    '--election-timeout', '100',
    // Let test clients ping every second without a GOAWAY.
    '--grpc-keepalive-min-time', '1s',
    '--logger', 'zap',
    '--log-outputs', 'stderr',
    '--log-level', 'error',
    ...(options.extraArgs ?? []),
  ];

  let child: ChildProcess | undefined;
  let stderr = '';
  const launch = async (): Promise<void> => {
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
    await waitHealthy(clientUrl, c, readyTimeoutMs, () => stderr);
  };

  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    if (child) await killAndWait(child);
    rmSync(dataDir, { recursive: true, force: true });
    dirs.delete(dataDir);
  };

  try {
    await launch();
  } catch (err) {
    await stop();
    throw err;
  }

  return {
    endpoints: [clientUrl],
    clientPort,
    peerPort,
    dataDir,
    get pid() {
      return stopped ? undefined : child?.pid;
    },
    stop,
    pause() {
      if (child?.pid !== undefined) process.kill(child.pid, 'SIGSTOP');
    },
    resume() {
      if (child?.pid !== undefined) process.kill(child.pid, 'SIGCONT');
    },
    async kill() {
      if (child) await killAndWait(child);
    },
    async restart(opts = {}) {
      if (stopped) throw new Error('etcd was stopped');
      if (child) await killAndWait(child);
      if (opts.downForMs) await new Promise((r) => setTimeout(r, opts.downForMs));
      await launch();
    },
  };
}

import { execFile, spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cgroupDirs, cgroupPids, createCgroups, isLive, killPids, removeCgroups } from './cgroup.js';
import { INNER_SCRIPT, OUTER_SCRIPT } from './scripts.js';

/** Options for {@link startSandboxHost}; all optional. */
export interface SandboxHostOptions {
  /** Label mixed into the unique name (default `h`). */
  readonly label?: string;
  /** Parent of the per-host scratch dir (default the OS temp dir). */
  readonly scratchRoot?: string;
  /** How long to wait for the user manager to answer (default 20 s). */
  readonly startTimeoutMs?: number;
  /** Machine id (32 hex); default a random one. The same id again is a host that was powered off and comes back. */
  readonly machineId?: string;
}

/** Outcome of {@link SandboxHost.exec}; a non-zero exit is not an error. */
export interface ExecResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * One sandbox "host": a real `systemd --user` in its own mount and cgroup
 * namespace, with its own session dbus-daemon, journald, /run/systemd,
 * /run/log and /etc/machine-id.
 */
export interface SandboxHost {
  /** Unique name (pid + counter + random), also the cgroup dir `fleethost-<name>`. */
  readonly name: string;
  /** 32-hex machine id bind-mounted over /etc/machine-id inside the host. */
  readonly machineId: string;
  /** Per-host scratch dir (scripts, pid files, log); removed by stop(). */
  readonly scratchDir: string;
  /** The host's XDG_RUNTIME_DIR (user units go in `<runtimeDir>/systemd/user`). */
  readonly runtimeDir: string;
  /** DBUS_SESSION_BUS_ADDRESS of the host's bus. */
  readonly busAddress: string;
  /** PID of `systemd --user` (its namespaces are the host's). */
  readonly systemdPid: number;
  /** PIDs of the three daemons the host was started with. */
  readonly pids: { readonly systemd: number; readonly dbus: number; readonly journald: number };
  /** Environment that points a client at this host (XDG_RUNTIME_DIR, DBUS_SESSION_BUS_ADDRESS). */
  readonly env: Readonly<Record<string, string>>;
  /** Runs a short command inside the host (mount + cgroup ns, host env); resolves with its output. */
  exec(cmd: readonly string[], opts?: { readonly timeoutMs?: number; readonly env?: Record<string, string>; readonly cwd?: string }): Promise<ExecResult>;
  /**
   * Starts a long-running process inside the host (in its cgroup subtree, so
   * stop() kills it too). The returned child's pid is the command's pid.
   */
  spawnInHost(
    cmd: string,
    args: readonly string[],
    opts?: { readonly env?: Record<string, string>; readonly stdio?: StdioOptions; readonly cwd?: string },
  ): ChildProcess;
  /** PIDs currently in the host's cgroup subtree, sorted; [] after stop(). */
  processes(): number[];
  /** Kills every process of the host, removes its cgroups and scratch dir. Idempotent. */
  stop(): Promise<void>;
}

let counter = 0;
const live = new Map<string, () => void>();
let hooksInstalled = false;

function installExitHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  const cleanupAll = (): void => {
    for (const fn of [...live.values()]) fn();
  };
  process.on('exit', cleanupAll);
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      cleanupAll();
      process.kill(process.pid, sig); // default action now that our handler is gone
    });
  }
}

const sleepSync = (ms: number): void => {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
};
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Host PATH plus the given variables; nsenter and the commands it runs are looked up on it. */
function hostEnv(base: Readonly<Record<string, string>>, extra?: Record<string, string>): NodeJS.ProcessEnv {
  return { ...process.env, ...base, ...extra };
}

/**
 * Starts a sandbox host and waits until its user manager answers
 * `systemctl --user is-system-running` with running/degraded.
 * Throws (after cleaning up everything it started) if it does not come up
 * within the timeout; the error message carries the host's log.
 */
export async function startSandboxHost(opts: SandboxHostOptions = {}): Promise<SandboxHost> {
  installExitHooks();
  const name = `${opts.label ?? 'h'}${process.pid}-${++counter}-${randomBytes(3).toString('hex')}`;
  const cgroupName = `fleethost-${name}`;
  const scratchDir = mkdtempSync(join(opts.scratchRoot ?? tmpdir(), `${cgroupName}-`));
  const runtimeDir = join(scratchDir, 'xdg');
  mkdirSync(runtimeDir, { mode: 0o700 });
  const machineId = opts.machineId ?? randomBytes(16).toString('hex');
  if (!/^[0-9a-f]{32}$/.test(machineId)) throw new RangeError(`sandbox machine id must be 32 lower-case hex digits, got ${JSON.stringify(machineId)}`);
  writeFileSync(join(scratchDir, 'machine-id'), `${machineId}\n`);
  writeFileSync(join(scratchDir, 'outer.sh'), OUTER_SCRIPT);
  writeFileSync(join(scratchDir, 'inner.sh'), INNER_SCRIPT);
  const busAddress = `unix:path=${join(runtimeDir, 'bus')}`;
  const env = { XDG_RUNTIME_DIR: runtimeDir, DBUS_SESSION_BUS_ADDRESS: busAddress };
  const logPath = join(scratchDir, 'host.log');

  createCgroups(cgroupName);
  const logFd = openSync(logPath, 'a');
  const child = spawn('/bin/sh', [join(scratchDir, 'outer.sh'), cgroupName, scratchDir, runtimeDir], {
    stdio: ['ignore', logFd, logFd],
  });
  closeSync(logFd);
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  child.once('error', () => undefined); // spawn failure shows up as exit + log

  const systemdPid = child.pid ?? -1;
  const extraChildren = new Set<ChildProcess>();
  let stopped: Promise<void> | undefined;

  /** Live PIDs that belong to the host: its cgroup subtree plus spawnInHost children still joining it. */
  const hostPids = (): number[] => {
    const pids = new Set(cgroupPids(cgroupName));
    for (const c of extraChildren) if (c.pid) pids.add(c.pid);
    return [...pids].filter(isLive);
  };
  /**
   * One teardown round: kill (systemd first, so it cannot respawn what we
   * kill next), then try to remove the cgroups. Returns true when done.
   */
  const teardownRound = (): boolean => {
    if (systemdPid > 0 && isLive(systemdPid)) killPids([systemdPid]);
    const pids = hostPids();
    killPids(pids);
    if (pids.length > 0) return false;
    return removeCgroups(cgroupName).length === 0;
  };
  const finish = (): void => {
    rmSync(scratchDir, { recursive: true, force: true });
    live.delete(name);
  };
  // Safety net at process exit: synchronous, best effort.
  live.set(name, () => {
    const deadline = Date.now() + 2000;
    while (!teardownRound() && Date.now() < deadline) sleepSync(20);
    finish();
  });

  const readPid = (file: string): number => {
    try {
      return Number(readFileSync(join(scratchDir, file), 'utf8').trim()) || -1;
    } catch {
      return -1;
    }
  };

  const exec: SandboxHost['exec'] = (cmd, execOpts = {}) =>
    new Promise((resolve) => {
      execFile(
        'nsenter',
        // nsenter -m would otherwise start the command in /
        ['-t', String(systemdPid), '-m', '-C', `--wd=${execOpts.cwd ?? process.cwd()}`, '--', ...cmd],
        { env: hostEnv(env, execOpts.env), timeout: execOpts.timeoutMs ?? 15_000, maxBuffer: 16 * 1024 * 1024 },
        (err, stdout, stderr) => {
          const code = err ? (typeof err.code === 'number' ? err.code : null) : 0;
          resolve({ code, stdout: String(stdout), stderr: String(stderr) });
        },
      );
    });

  const spawnInHost: SandboxHost['spawnInHost'] = (cmd, args, spawnOpts = {}) => {
    if (stopped) throw new Error(`sandbox host ${name} is stopped`);
    // Join the host's cgroups before entering its namespaces, so stop() finds it.
    const script = [
      `echo $$ > ${cgroupDirs(cgroupName)[0]}/cgroup.procs`,
      `echo $$ > ${cgroupDirs(cgroupName)[1]}/cgroup.procs`,
      `exec nsenter -t ${systemdPid} -m -C "--wd=$0" -- "$@"`,
    ].join(' && ');
    const c = spawn('/bin/sh', ['-c', script, spawnOpts.cwd ?? process.cwd(), cmd, ...args], {
      env: hostEnv(env, spawnOpts.env),
      stdio: spawnOpts.stdio ?? 'ignore',
    });
    extraChildren.add(c);
    c.once('exit', () => extraChildren.delete(c));
    return c;
  };

  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      const deadline = Date.now() + 10_000;
      let done = teardownRound();
      while (!done && Date.now() < deadline) {
        await sleep(20);
        done = teardownRound();
      }
      await Promise.race([exited, sleep(2000)]);
      finish();
      if (!done) throw new Error(`sandbox host ${name}: still busy after 10 s: pids ${hostPids().join(',')}, cgroups ${removeCgroups(cgroupName).join(',')}`);
    })();
    return stopped;
  };

  // Wait for the user manager: bus socket, then a systemctl answer.
  const deadline = Date.now() + (opts.startTimeoutMs ?? 20_000);
  let lastAnswer = '';
  let childGone = false;
  void exited.then(() => {
    childGone = true;
  });
  for (;;) {
    if (childGone) break;
    if (existsSync(join(runtimeDir, 'bus')) && readPid('journald.pid') > 0) {
      const r = await exec(['systemctl', '--user', 'is-system-running'], { timeoutMs: 5000 });
      lastAnswer = (r.stdout + r.stderr).trim();
      if (/^(running|degraded)$/m.test(r.stdout)) break;
    }
    if (Date.now() > deadline) break;
    await sleep(50);
  }
  const ready = !childGone && /^(running|degraded)$/m.test(lastAnswer);
  if (!ready) {
    let log = '';
    try {
      log = readFileSync(logPath, 'utf8').slice(-2000);
    } catch {
      // scratch dir unreadable: nothing to add
    }
    await stop().catch(() => undefined);
    throw new Error(`sandbox host ${name} did not come up (last answer: ${lastAnswer || 'none'}); log:\n${log}`);
  }

  return {
    name,
    machineId,
    scratchDir,
    runtimeDir,
    busAddress,
    systemdPid,
    pids: { systemd: systemdPid, dbus: readPid('dbus.pid'), journald: readPid('journald.pid') },
    env,
    exec,
    spawnInHost,
    processes: () => cgroupPids(cgroupName),
    stop,
  };
}

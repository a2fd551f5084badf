import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The fleetctl binary operators run (`bin/fleetctl`): the launcher, which starts Node from fleetctl's start-up snapshot. */
export const FLEETCTL_BIN = fileURLToPath(new URL('../../fleetctl-bundle/fleetctl', import.meta.url));
/** The plain bundle the launcher falls back to (`node FLEETCTL_MAIN ...`). */
export const FLEETCTL_MAIN = fileURLToPath(new URL('../../fleetctl-bundle/main.js', import.meta.url));

/** What one fleetctl run printed and how it exited. */
export interface FleetctlRun {
  readonly code: number | null;
  readonly out: string;
  readonly err: string;
}

/**
 * Runs the real fleetctl binary (the launcher, as operators do) with `args` and collects its output; kills it
 * (by pid) if it outlives `timeoutMs`. `env` is added to this process's
 * environment (e.g. `FLEETCTL_TOKEN`).
 */
export function runFleetctl(args: readonly string[], opts: { cwd?: string; timeoutMs?: number; env?: Readonly<Record<string, string>> } = {}): Promise<FleetctlRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(FLEETCTL_BIN, [...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(opts.cwd !== undefined ? { cwd: opts.cwd } : {}),
      ...(opts.env !== undefined ? { env: { ...process.env, ...opts.env } } : {}),
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 20_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out, err });
    });
  });
}

/**
 * Where the API listens: a unix socket (default; mode 0660, a stale socket
 * file is removed first), optional TCP (loopback unless a host is given),
 * and listening sockets passed by systemd socket activation
 * (`LISTEN_PID`/`LISTEN_FDS`, descriptors from 3), as fleet's only way.
 */
import { chmod, lstat, unlink } from 'node:fs/promises';
import type { Server } from 'node:http';
import { connect } from 'node:net';
import type { HostPort } from '../domain/index.js';

/** The first descriptor systemd passes (`SD_LISTEN_FDS_START`). */
export const LISTEN_FDS_START = 3;

/** Default mode of the API socket: owner and group (e.g. a `fleet` group) may connect. */
export const DEFAULT_SOCKET_MODE = 0o660;

/**
 * The descriptors systemd passed to this process, per sd_listen_fds(3):
 * only when `LISTEN_PID` is `pid` and `LISTEN_FDS` a positive count.
 * @returns the descriptors (empty when not socket-activated). Never throws.
 */
export function activationFds(env: NodeJS.ProcessEnv, pid: number): number[] {
  if (env['LISTEN_PID'] !== String(pid)) return [];
  const count = Number(env['LISTEN_FDS']);
  if (!Number.isInteger(count) || count <= 0) return [];
  return Array.from({ length: count }, (_, i) => LISTEN_FDS_START + i);
}

/**
 * Forgets the activation variables, so commands the API runs (systemctl,
 * journalctl) do not believe the descriptors are theirs (sd_listen_fds's
 * `unset_environment`).
 */
export function clearActivationEnv(env: NodeJS.ProcessEnv): void {
  delete env['LISTEN_PID'];
  delete env['LISTEN_FDS'];
  delete env['LISTEN_FDNAMES'];
}

/**
 * Listens on a unix socket at `path`, removing a stale socket file first,
 * then sets `mode`.
 * @returns the address `unix://<path>`.
 * @throws when `path` exists and is not a socket, when another process
 *   still accepts connections on it, or when listening fails.
 */
export async function listenUnix(server: Server, path: string, mode = DEFAULT_SOCKET_MODE): Promise<string> {
  await removeStaleSocket(path);
  await listen(server, { path });
  // The socket exists with the umask's mode for the moment between bind and chmod; the
  // directory (/var/run) is what really guards it, as for fleet's systemd-created socket.
  await chmod(path, mode);
  return `unix://${path}`;
}

/**
 * Listens on TCP.
 * @returns `tcp://host:port` with the bound port (useful with port 0).
 */
export async function listenTcp(server: Server, address: HostPort): Promise<string> {
  await listen(server, { host: address.host ?? '127.0.0.1', port: address.port });
  const bound = server.address();
  if (bound === null || typeof bound === 'string') return `tcp://${address.host ?? '127.0.0.1'}:${address.port}`;
  const host = bound.family === 'IPv6' ? `[${bound.address}]` : bound.address;
  return `tcp://${host}:${bound.port}`;
}

/**
 * Listens on an inherited listening socket.
 * @returns `fd://<n>`.
 */
export async function listenFd(server: Server, fd: number): Promise<string> {
  await listen(server, { fd });
  return `fd://${fd}`;
}

function listen(server: Server, options: { path: string } | { host: string; port: number } | { fd: number }): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    server.once('error', onError);
    const done = () => {
      server.off('error', onError);
      resolve();
    };
    if ('fd' in options) server.listen({ fd: options.fd }, done);
    else server.listen(options, done);
  });
}

async function removeStaleSocket(path: string): Promise<void> {
  let isSocket: boolean;
  try {
    isSocket = (await lstat(path)).isSocket();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  if (!isSocket) throw new Error(`${path} exists and is not a socket; refusing to replace it`);
  if (await accepts(path)) throw new Error(`${path} is in use by another process`);
  await unlink(path);
}

/** True when something accepts connections on the unix socket. */
function accepts(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ path });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/**
 * An HTTP proxy on a unix socket in front of a fleetd API socket that
 * answers `503 fleet server unable to communicate with etcd` (fleet's
 * overload answer) while `failing` is set and forwards everything else, so
 * tests can check that fleetctl rides out a spell of 503s.
 */
import { createServer, request, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface FlakyApiProxy {
  /** `unix:///...` endpoint for fleetctl. */
  readonly endpoint: string;
  /** Answer 503 to every request while true. */
  failing: boolean;
  /** Requests answered 503 so far. */
  readonly refused: number;
  /** Requests forwarded so far. */
  readonly forwarded: number;
  close(): Promise<void>;
}

/** Starts a proxy to the API listening on `targetSocket`; it starts in the `failing` state given. */
export async function startFlakyApiProxy(targetSocket: string, failing: boolean): Promise<FlakyApiProxy> {
  const dir = mkdtempSync(join(tmpdir(), 'fleet-flaky-'));
  const socket = join(dir, 'proxy.sock');
  const state = { failing, refused: 0, forwarded: 0 };
  const server: Server = createServer((req, res) => {
    if (state.failing) {
      state.refused++;
      req.resume();
      const body = JSON.stringify({ error: { code: 503, message: 'fleet server unable to communicate with etcd' } });
      res.writeHead(503, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
      res.end(body);
      return;
    }
    state.forwarded++;
    const upstream = request({ socketPath: targetSocket, method: req.method, path: req.url, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(socket, resolve));
  return {
    endpoint: `unix://${socket}`,
    get failing() {
      return state.failing;
    },
    set failing(v: boolean) {
      state.failing = v;
    },
    get refused() {
      return state.refused;
    },
    get forwarded() {
      return state.forwarded;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          rmSync(dir, { recursive: true, force: true });
          resolve();
        });
      }),
  };
}

/**
 * A fault-injecting TCP proxy on loopback, put between one fleetd and one
 * etcd member so a test can cut that fleetd off from etcd without touching
 * etcd or the other hosts:
 * - `pass`: bytes flow both ways (the normal state);
 * - `blackhole`: connections stay open but every byte is dropped (a
 *   partition: the peer only notices through its own timeouts and pings);
 * - `reset`: every open connection is destroyed and new ones are refused by
 *   an immediate close (a host whose route to etcd is gone).
 * Switching back to `pass` lets new connections through; connections that
 * were blackholed are destroyed so the client reconnects instead of waiting
 * on a stream that lost bytes.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';

export type ProxyMode = 'pass' | 'blackhole' | 'reset';

/** A running {@link startFaultProxy}. */
export interface FaultProxy {
  /** `http://127.0.0.1:<port>`: give this to the client instead of the target. */
  readonly endpoint: string;
  readonly port: number;
  readonly mode: ProxyMode;
  setMode(mode: ProxyMode): void;
  /** Closes the listener and every connection. Idempotent. */
  close(): Promise<void>;
}

/** Starts a proxy to `target` (`host:port` or `http://host:port`) on a free loopback port. */
export async function startFaultProxy(target: string): Promise<FaultProxy> {
  const url = new URL(target.includes('://') ? target : `http://${target}`);
  const targetHost = url.hostname;
  const targetPort = Number(url.port);
  let mode: ProxyMode = 'pass';
  const pairs = new Set<[Socket, Socket]>();

  const server: Server = createServer((client) => {
    if (mode === 'reset') {
      client.destroy();
      return;
    }
    const upstream = connect(targetPort, targetHost);
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    const end = (): void => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    client.on('data', (d) => {
      if (mode === 'pass') upstream.write(d);
    });
    upstream.on('data', (d) => {
      if (mode === 'pass') client.write(d);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  let closed = false;

  const destroyAll = (): void => {
    for (const [a, b] of pairs) {
      a.destroy();
      b.destroy();
    }
    pairs.clear();
  };

  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    get mode() {
      return mode;
    },
    setMode(next) {
      const was = mode;
      mode = next;
      if (next === 'reset' || (was === 'blackhole' && next === 'pass')) destroyAll();
    },
    async close() {
      if (closed) return;
      closed = true;
      destroyAll();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

import { createConnection, createServer, type Socket } from 'node:net';
import { rmSync } from 'node:fs';

/**
 * A byte-level unix-socket proxy in front of a sandbox host's bus, for
 * fault injection: tests point a driver at `address` and call
 * {@link BusProxy.dropAll} to cut its connection the way a restarted bus
 * would, while new connections keep working. (D-Bus EXTERNAL auth passes
 * because the proxy runs as the same uid.)
 */
export interface BusProxy {
  /** D-Bus address of the proxy (`unix:path=...`). */
  readonly address: string;
  /** Connections currently open through the proxy. */
  connections(): number;
  /** Destroys every open connection (both sides). */
  dropAll(): void;
  /** While false, new connections are closed at once (the bus looks down). Default true. */
  setAccepting(accepting: boolean): void;
  /** Drops everything and stops listening; removes the socket file. Idempotent. */
  close(): Promise<void>;
}

/** Starts a proxy listening on `socketPath` that forwards to the bus at `targetAddress` (`unix:path=...`). */
export async function startBusProxy(socketPath: string, targetAddress: string): Promise<BusProxy> {
  const target = /^unix:path=([^,;]+)/.exec(targetAddress)?.[1];
  if (!target) throw new Error(`bus proxy: unsupported address ${targetAddress}`);
  const pairs = new Set<[Socket, Socket]>();
  let accepting = true;
  const server = createServer((client) => {
    if (!accepting) {
      client.destroy();
      return;
    }
    const upstream = createConnection(target);
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    const teardown = (): void => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', teardown).on('close', teardown);
    upstream.on('error', teardown).on('close', teardown);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  rmSync(socketPath, { force: true });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => resolve());
  });
  let closed: Promise<void> | undefined;
  const dropAll = (): void => {
    for (const [a, b] of [...pairs]) {
      a.destroy();
      b.destroy();
    }
    pairs.clear();
  };
  return {
    address: `unix:path=${socketPath}`,
    connections: () => pairs.size,
    dropAll,
    setAccepting(value) {
      accepting = value;
    },
    close() {
      closed ??= new Promise<void>((resolve) => {
        dropAll();
        server.close(() => {
          rmSync(socketPath, { force: true });
          resolve();
        });
      });
      return closed;
    },
  };
}

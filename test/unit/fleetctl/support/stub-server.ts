/** A tiny HTTP server for client tests: routes by `METHOD path` (query ignored) to handlers; records requests. */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

export interface StubServer {
  /** `unix:///...` or `http://127.0.0.1:port`. */
  readonly endpoint: string;
  /** Requests seen, as `METHOD url`. */
  readonly requests: string[];
  close(): Promise<void>;
}

/** Starts a stub on a temp unix socket (`unix`) or loopback TCP (`tcp`). */
export async function startStub(kind: 'unix' | 'tcp', routes: Record<string, Handler>): Promise<StubServer> {
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      requests.push(`${req.method} ${req.url}`);
      const path = (req.url ?? '').split('?')[0];
      const handler = routes[`${req.method} ${path}`];
      if (handler) handler(req, res, body);
      else json(res, 404, { error: { code: 404, message: '' } });
    });
  });
  let endpoint: string;
  if (kind === 'unix') {
    const sock = join(mkdtempSync(join(tmpdir(), 'fleetctl-sock-')), 'fleet.sock');
    await new Promise<void>((r) => server.listen(sock, r));
    endpoint = `unix://${sock}`;
  } else {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const addr = server.address() as { port: number };
    endpoint = `http://127.0.0.1:${addr.port}`;
  }
  return { endpoint, requests, close: () => new Promise((r) => server.close(() => r())) };
}

/** Sends a JSON answer. */
export function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(text);
}

/** Streams text then ends with the exit code in a trailer, as the API does. */
export function streamWithTrailer(res: ServerResponse, chunks: string[], exitCode: number): void {
  res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', Trailer: 'X-Fleet-Exit-Code' });
  for (const c of chunks) res.write(c);
  res.addTrailers({ 'X-Fleet-Exit-Code': String(exitCode) });
  res.end();
}

/**
 * One JSON request and its whole answer over a unix socket or plain http,
 * on `node:net` alone: what the API client's requests need, without Node's
 * HTTP client. Loading `node:http` (its server half and the llhttp parser
 * come with it) cost every API command ~1.7 MiB of peak RSS, a third of
 * what a bulk `start` of 1,000 units adds to the process; `node:net` is
 * loaded anyway (stdout and stderr are sockets when piped). Streams
 * (status, journal, events: trailers, cancellation) and https still go
 * through `node:http(s)` (http-transport.ts).
 *
 * HTTP/1.1, one request per connection (`Connection: close`); the answer
 * ends at its Content-Length, at the last chunk of a chunked body, or when
 * the server closes the connection.
 */
import type { NetConnectOpts, Socket } from 'node:net';

/** Where to connect: a unix socket's path, or host and port. */
export type PlainAddress = { readonly path: string } | { readonly host: string; readonly port: number };

/** A whole answer. */
export interface PlainAnswer {
  readonly status: number;
  /** Header names in lower case; a repeated header keeps its first value. */
  readonly headers: ReadonlyMap<string, string>;
  readonly body: Buffer;
}

/** The request: what goes on the wire besides the Host and Connection headers (`headers` carries Content-Length for a payload). */
export interface PlainRequest {
  readonly method: string;
  readonly path: string;
  /** The Host header's value. */
  readonly host: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly payload?: string;
  /** Socket inactivity limit once connected, ms; 0 = none. On expiry before an answer the exchange rejects with `timedOut`. */
  readonly idleTimeoutMs: number;
  /** The error an expired idle timeout rejects with. */
  readonly timedOut: Error;
}

/** An error with Node's `code`, as `http.request` reports a connection that ended early. */
function connectionError(message: string, code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(message), { code });
}

const HEAD_END = Buffer.from('\r\n\r\n');

/** The parsed head of an answer: status, headers, and where its body starts. */
interface Head {
  readonly status: number;
  readonly headers: Map<string, string>;
  readonly bodyStart: number;
}

/**
 * Parses the answer head at the start of `data` (1xx interim answers
 * skipped). Pure.
 * @returns undefined while the head is incomplete.
 * @throws when the bytes are not an HTTP/1.x answer.
 */
export function parseHead(data: Buffer): Head | undefined {
  let start = 0;
  for (;;) {
    const end = data.indexOf(HEAD_END, start);
    if (end < 0) return undefined;
    const lines = data.toString('latin1', start, end).split('\r\n');
    const m = /^HTTP\/1\.\d (\d{3})(?: |$)/.exec(lines[0]!);
    if (m === null) throw connectionError('Parse Error: Invalid response status', 'HPE_INVALID_CONSTANT');
    const status = Number(m[1]);
    start = end + HEAD_END.length;
    if (status >= 100 && status < 200 && status !== 101) continue;
    const headers = new Map<string, string>();
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':');
      if (colon <= 0) continue;
      const name = line.slice(0, colon).trim().toLowerCase();
      if (!headers.has(name)) headers.set(name, line.slice(colon + 1).trim());
    }
    return { status, headers, bodyStart: start };
  }
}

/**
 * Decodes a chunked body (trailers dropped). Pure.
 * @returns undefined while the last chunk has not arrived.
 * @throws on a malformed chunk size.
 */
export function decodeChunked(data: Buffer): Buffer | undefined {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const eol = data.indexOf('\r\n', at);
    if (eol < 0) return undefined;
    const size = Number.parseInt(data.toString('latin1', at, eol).split(';')[0]!.trim(), 16);
    if (!Number.isFinite(size) || size < 0) throw connectionError('Parse Error: Invalid character in chunk size', 'HPE_INVALID_CHUNK_SIZE');
    if (size === 0) {
      // The last chunk: its trailers (if any) end with an empty line.
      const rest = data.subarray(eol + 2);
      return rest.subarray(0, 2).toString('latin1') === '\r\n' || rest.indexOf(HEAD_END) >= 0 ? Buffer.concat(parts) : undefined;
    }
    if (data.length < eol + 2 + size + 2) return undefined;
    parts.push(data.subarray(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
}

/** The body of `head`'s answer in `data`, once complete; undefined while more is to come. `closed`: the server closed the connection. */
function completeBody(head: Head, data: Buffer, closed: boolean, method: string): Buffer | undefined {
  if (method === 'HEAD' || head.status === 204 || head.status === 304) return Buffer.alloc(0);
  const body = data.subarray(head.bodyStart);
  if (/\bchunked\b/i.test(head.headers.get('transfer-encoding') ?? '')) {
    const decoded = decodeChunked(body);
    if (decoded === undefined && closed) throw new CutAnswerError();
    return decoded;
  }
  const length = head.headers.get('content-length');
  if (length !== undefined) {
    const n = Number(length);
    if (body.length >= n) return body.subarray(0, n);
    if (closed) throw new CutAnswerError();
    return undefined;
  }
  return closed ? body : undefined;
}

/**
 * The connection ended, failed or went idle after the answer's head and
 * before its whole body (`aborted`, code ECONNRESET, as Node's HTTP client
 * reports it on the response): the request reached the server.
 */
export class CutAnswerError extends Error {
  readonly code = 'ECONNRESET';
  constructor(options?: ErrorOptions) {
    super('aborted', options);
  }
}

/** Whether the bytes received so far, ending with `tail`, can complete `head`'s answer (cheap: no copying). */
function mayBeComplete(head: Head, received: number, tail: Buffer, method: string): boolean {
  if (method === 'HEAD' || head.status === 204 || head.status === 304) return true;
  if (/\bchunked\b/i.test(head.headers.get('transfer-encoding') ?? '')) return tail.equals(HEAD_END);
  const length = head.headers.get('content-length');
  return length !== undefined && received - head.bodyStart >= Number(length);
}

let netModule: Promise<typeof import('node:net')> | undefined;

/**
 * Sends `request` to `address` and reads the whole answer.
 * @throws the socket's error (`code` ENOENT, ECONNREFUSED, ...), or
 *   `socket hang up` (code ECONNRESET) for a connection closed before an
 *   answer, as Node's HTTP client; `request.timedOut` when the connection
 *   stays idle longer than its limit before an answer; {@link CutAnswerError}
 *   when the answer's body is cut short; a TypeError (code ERR_INVALID_CHAR)
 *   for a header value with a line break.
 */
export async function exchange(address: PlainAddress, request: PlainRequest): Promise<PlainAnswer> {
  let head = `${request.method} ${request.path} HTTP/1.1\r\nHost: ${request.host}\r\nConnection: close\r\n`;
  for (const [name, value] of Object.entries(request.headers)) {
    if (/[\r\n]/.test(value)) throw Object.assign(new TypeError(`Invalid character in header content [${JSON.stringify(name)}]`), { code: 'ERR_INVALID_CHAR' });
    head += `${name}: ${value}\r\n`;
  }
  const { connect } = await (netModule ??= import('node:net'));
  return new Promise((resolve, reject) => {
    const socket: Socket = connect(address as NetConnectOpts);
    // The answer's bytes, joined only to read its head and once it is whole.
    let chunks: Buffer[] = [];
    let received = 0;
    let tail: Buffer = Buffer.alloc(0);
    let parsed: Head | undefined;
    let settled = false;
    const joined = (): Buffer => {
      if (chunks.length !== 1) chunks = [Buffer.concat(chunks, received)];
      return chunks[0]!;
    };
    const fail = (err: unknown): void => {
      if (settled) return;
      settled = true;
      socket.destroy();
      reject(parsed === undefined || err instanceof CutAnswerError ? err : new CutAnswerError({ cause: err }));
    };
    const finish = (closed: boolean): void => {
      if (settled) return;
      try {
        parsed ??= parseHead(joined());
        if (parsed === undefined) {
          if (closed) throw connectionError('socket hang up', 'ECONNRESET');
          return;
        }
        if (!closed && !mayBeComplete(parsed, received, tail, request.method)) return;
        const body = completeBody(parsed, joined(), closed, request.method);
        if (body === undefined) return;
        settled = true;
        socket.destroy();
        resolve({ status: parsed.status, headers: parsed.headers, body });
      } catch (err) {
        fail(err);
      }
    };
    socket.on('connect', () => {
      if (request.idleTimeoutMs > 0) socket.setTimeout(request.idleTimeoutMs, () => fail(request.timedOut));
    });
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      received += chunk.length;
      tail = chunk.length >= HEAD_END.length ? chunk.subarray(-HEAD_END.length) : Buffer.concat([tail, chunk]).subarray(-HEAD_END.length);
      finish(false);
    });
    socket.on('end', () => finish(true));
    socket.on('close', () => finish(true));
    socket.on('error', fail);
    socket.write(`${head}\r\n`, 'latin1');
    if (request.payload !== undefined) socket.write(request.payload, 'utf8');
  });
}

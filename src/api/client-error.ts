/**
 * Requests Node's HTTP parser rejects before any handler runs (a broken
 * request line, bytes after `Connection: close`, oversized headers, a
 * client too slow to send its headers) still get fleet's JSON error shape,
 * then the connection is closed.
 */
import type { Duplex } from 'node:stream';

const ANSWERS: Readonly<Record<string, [number, string, string]>> = {
  HPE_HEADER_OVERFLOW: [431, 'Request Header Fields Too Large', 'request headers too large'],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'Request Timeout', 'request not received in time'],
  HPE_HEADERS_TIMEOUT: [408, 'Request Timeout', 'request headers not received in time'],
};

/** The raw response for a parser error `code` (pure; exported for tests). */
export function clientErrorResponse(code: string | undefined, reason: string): string {
  const [status, text, message] = ANSWERS[code ?? ''] ?? [400, 'Bad Request', `bad request: ${reason}`];
  const body = `${JSON.stringify({ error: { code: status, message } })}\n`;
  return `HTTP/1.1 ${status} ${text}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`;
}

/** `server.on('clientError', answerClientError)`: answers in JSON when the socket can still be written, then closes it. */
export function answerClientError(err: Error & { code?: string }, socket: Duplex): void {
  if (err.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  // The parser's reason names the problem without echoing the client's bytes.
  const reason = (err.message.replace(/^Parse Error: /, '') || 'malformed HTTP').slice(0, 120);
  socket.end(clientErrorResponse(err.code, reason));
}

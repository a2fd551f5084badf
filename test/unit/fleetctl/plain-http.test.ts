import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Socket } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CutAnswerError, decodeChunked, exchange, parseHead } from '../../../fleetctl/client/plain-http.js';

test('parseHead: status and lower-cased headers, 1xx answers skipped, undefined until the head is whole', () => {
  assert.equal(parseHead(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n')), undefined);
  const head = parseHead(Buffer.from('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 429 Too Many Requests\r\nRetry-After: 3\r\nX-A: 1\r\nx-a: 2\r\n\r\nbody'))!;
  assert.equal(head.status, 429);
  assert.deepEqual([...head.headers], [['retry-after', '3'], ['x-a', '1']]);
  assert.equal(head.bodyStart, 91);
  assert.throws(() => parseHead(Buffer.from('SSH-2.0-OpenSSH\r\n\r\n')), { code: 'HPE_INVALID_CONSTANT' });
});

test('decodeChunked: the body once the last chunk (and trailers) arrived', () => {
  assert.equal(decodeChunked(Buffer.from('5\r\nhello\r\n')), undefined);
  assert.equal(decodeChunked(Buffer.from('5\r\nhel')), undefined);
  assert.equal(decodeChunked(Buffer.from('5\r\nhello\r\n0\r\n')), undefined);
  assert.equal(decodeChunked(Buffer.from('5\r\nhello\r\n6;x=y\r\n world\r\n0\r\n\r\n'))!.toString(), 'hello world');
  assert.equal(decodeChunked(Buffer.from('2\r\nok\r\n0\r\nX-T: 1\r\n\r\n'))!.toString(), 'ok');
  assert.throws(() => decodeChunked(Buffer.from('zz\r\n')), { code: 'HPE_INVALID_CHUNK_SIZE' });
});

/** A unix-socket server answering each connection with `answer` (pieces written one turn apart, then `end` unless false). */
async function server(t: { after: (fn: () => unknown) => void }, answer: readonly string[], end = true): Promise<{ path: string; requests: string[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'plain-http-'));
  const path = join(dir, 's.sock');
  const requests: string[] = [];
  const sockets = new Set<Socket>();
  const srv = createServer((socket) => {
    sockets.add(socket);
    let got = '';
    socket.on('data', async (d) => {
      got += d.toString();
      if (!got.includes('\r\n\r\n') || requests.length > 0) return;
      requests.push(got);
      for (const piece of answer) {
        socket.write(piece);
        await new Promise((r) => setTimeout(r, 5));
      }
      if (end) socket.end();
    });
  });
  await new Promise<void>((r) => srv.listen(path, r));
  t.after(() => {
    for (const s of sockets) s.destroy();
    srv.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { path, requests };
}

const request = { method: 'PUT', path: '/fleet/v1/units?alt=json', host: 'domain-sock', headers: { 'User-Agent': 'fleetctl', 'Content-Length': '2' }, payload: '{}', idleTimeoutMs: 2000, timedOut: new Error('timed out') };

test('exchange: sends one request per connection and reads a chunked answer in pieces without waiting for the close', async (t) => {
  const s = await server(t, ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n', '3\r\n{"a\r\n', '4\r\n":1}\r\n', '4\r\n}xyz\r\n0\r\n', '\r\n'], false);
  const answer = await exchange({ path: s.path }, request);
  assert.equal(answer.status, 200);
  assert.equal(answer.body.toString(), '{"a":1}}xyz');
  assert.equal(s.requests[0], 'PUT /fleet/v1/units?alt=json HTTP/1.1\r\nHost: domain-sock\r\nConnection: close\r\nUser-Agent: fleetctl\r\nContent-Length: 2\r\n\r\n{}');
});

test('exchange: Content-Length, or the close, ends the answer; a cut body or no answer is an error', async (t) => {
  const sized = await server(t, ['HTTP/1.1 503 Service Unavailable\r\nContent-Length: 5\r\n\r\nab', 'cde'], false);
  const a = await exchange({ path: sized.path }, request);
  assert.deepEqual([a.status, a.body.toString()], [503, 'abcde']);
  const closing = await server(t, ['HTTP/1.0 200 OK\r\n\r\nall ', 'of it']);
  assert.equal((await exchange({ path: closing.path }, request)).body.toString(), 'all of it');
  const cut = await server(t, ['HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc']);
  await assert.rejects(exchange({ path: cut.path }, request), (e: unknown) => e instanceof CutAnswerError && e.code === 'ECONNRESET');
  const none = await server(t, []);
  await assert.rejects(exchange({ path: none.path }, request), { message: 'socket hang up', code: 'ECONNRESET' });
  const silent = await server(t, [], false);
  await assert.rejects(exchange({ path: silent.path }, { ...request, idleTimeoutMs: 50 }), request.timedOut);
  await assert.rejects(exchange({ path: join(tmpdir(), 'no-such-dir-x', 's.sock') }, request), { code: 'ENOENT' });
  await assert.rejects(exchange({ path: sized.path }, { ...request, headers: { Authorization: 'Bearer a\r\nX: y' } }), { code: 'ERR_INVALID_CHAR' });
});

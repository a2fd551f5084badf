/**
 * Socket activation as systemd does it: the parent (standing in for
 * systemd) binds a unix socket and passes the listening descriptor as fd 3
 * with LISTEN_FDS=1 and LISTEN_PID set to the child's own pid; the child
 * runs startApiServer({ listen: { activation: true } }).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, renameSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const apiModule = fileURLToPath(new URL('../../src/api/index.js', import.meta.url));
const registryModule = fileURLToPath(new URL('../../src/registry/index.js', import.meta.url));

const CHILD = `
const { startApiServer, FakeLocalCommands } = await import(${JSON.stringify(apiModule)});
const { createMemoryRegistry } = await import(${JSON.stringify(registryModule)});
const env = { ...process.env };
const api = await startApiServer({ registry: createMemoryRegistry().api, machineId: 'm1', commands: new FakeLocalCommands(), listen: { activation: true, env } });
process.stdout.write(JSON.stringify({ addresses: api.addresses, left: Object.keys(env).filter((k) => k.startsWith('LISTEN_')) }) + '\\n');
process.on('SIGTERM', () => { void api.close().then(() => process.exit(0)); });
`;

test('serves on a listening socket passed by systemd socket activation', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fleet-api-act-'));
  const socket = join(dir, 'fleet.sock');
  // Bound under another name and moved into place: closing the parent's listener
  // (as systemd never does, but we must) then leaves the socket file alone.
  const listener = createServer();
  await new Promise<void>((r) => listener.listen(`${socket}.tmp`, r));
  renameSync(`${socket}.tmp`, socket);
  const fd = (listener as unknown as { _handle: { fd: number } })._handle.fd;
  // `exec` keeps the shell's pid, so $$ is the pid node will have, as systemd sets it after fork.
  const child = spawn('/bin/sh', ['-c', 'LISTEN_PID=$$ LISTEN_FDS=1 exec "$0" --input-type=module -e "$1"', process.execPath, CHILD], {
    stdio: ['ignore', 'pipe', 'inherit', fd],
  });
  try {
    const line = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout!.on('data', (c: Buffer) => {
        out += c.toString();
        if (out.includes('\n')) resolve(out.trim());
      });
      child.once('exit', (code) => reject(new Error(`child exited ${code} before listening`)));
    });
    assert.deepEqual(JSON.parse(line), { addresses: ['fd://3'], left: [] });
    // The parent stops accepting; connections reach the child.
    listener.close();
    const status = await new Promise<number>((resolve, reject) => {
      const req = request({ socketPath: socket, path: '/fleet/v1/units' }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
    assert.equal(status, 200);
  } finally {
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(t);
    }
    listener.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

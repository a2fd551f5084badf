import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeLocalCommands } from '../../src/api/fake-local-commands.js';
import { startApiServer, type StartApiServerOptions } from '../../src/api/server.js';
import { createMemoryRegistry, type MemoryRegistry } from '../../src/registry/index.js';
import { VERSION } from '../../src/version.js';

function get(target: { socketPath: string } | { host: string; port: number }, path: string): Promise<{ status: number; server: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = request({ ...target, path }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, server: res.headers['server'] as string | undefined }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('API listeners', () => {
  let dir: string;
  let registry: MemoryRegistry;
  const base = (): Omit<StartApiServerOptions, 'listen'> => ({ registry: registry.api, machineId: 'm1', commands: new FakeLocalCommands() });
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'fleet-api-listen-'));
    registry = createMemoryRegistry();
  });
  after(async () => {
    await registry.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('unix socket: mode 0660, served, removed on close', async () => {
    const socket = join(dir, 'a.sock');
    const api = await startApiServer({ ...base(), listen: { socket } });
    try {
      assert.deepEqual(api.addresses, [`unix://${socket}`]);
      assert.equal(statSync(socket).mode & 0o777, 0o660);
      assert.deepEqual(await get({ socketPath: socket }, '/fleet/v1/units'), { status: 200, server: `fleetd/${VERSION}` });
    } finally {
      await api.close();
    }
    assert.equal(existsSync(socket), false);
    await api.close();
  });

  test('a stale socket file is replaced; a live one or a regular file is refused', async () => {
    const stale = join(dir, 'stale.sock');
    // Simulate a crashed fleetd: the socket file stays, nobody accepts. (Closing a
    // listener unlinks the path it bound, so bind elsewhere and move the file.)
    const old: Server = createServer();
    await new Promise<void>((r) => old.listen(`${stale}.tmp`, r));
    renameSync(`${stale}.tmp`, stale);
    await new Promise((r) => old.close(r));
    assert.ok(existsSync(stale));
    const api = await startApiServer({ ...base(), listen: { socket: stale } });
    assert.equal((await get({ socketPath: stale }, '/fleet/v1/machines')).status, 200);

    await assert.rejects(startApiServer({ ...base(), listen: { socket: stale } }), /in use by another process/);
    await api.close();

    const file = join(dir, 'file');
    writeFileSync(file, 'keep me');
    await assert.rejects(startApiServer({ ...base(), listen: { socket: file } }), /exists and is not a socket/);
    assert.ok(existsSync(file));
  });

  test('TCP on loopback (bare port defaults to 127.0.0.1) alongside the socket', async () => {
    const socket = join(dir, 'b.sock');
    const api = await startApiServer({ ...base(), listen: { socket, tcp: '127.0.0.1:0' } });
    try {
      const tcp = api.addresses.find((a) => a.startsWith('tcp://'))!;
      const m = /^tcp:\/\/127\.0\.0\.1:(\d+)$/.exec(tcp);
      assert.ok(m, tcp);
      assert.equal((await get({ host: '127.0.0.1', port: Number(m[1]) }, '/fleet/v1/state')).status, 200);
    } finally {
      await api.close();
    }
  });

  test('no listener at all is an error', async () => {
    await assert.rejects(startApiServer({ ...base(), listen: { activation: true, env: {} } }), /no listener/);
  });
});

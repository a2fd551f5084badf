/**
 * Traversal, option injection and header injection against the API (issue
 * 14): hostile unit names, machine ids and journal options are refused
 * before any etcd key or command line is built from them, and a valid name
 * that looks like an option (`--help.service`) reaches systemctl and
 * journalctl only where it cannot be parsed as one. Checked at the storage
 * boundary (every key the API touches is recorded) and at the command
 * boundary (every argv the API would run is recorded).
 */
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeLocalCommands } from '../../../src/api/fake-local-commands.js';
import { startApiServer, type ApiServer } from '../../../src/api/server.js';
import { createRegistry, encodeMachine, encodeSchedule, MemoryKv, type Compare, type KeyValue, type Registry, type TxnOp, type TxnResult } from '../../../src/registry/index.js';
import { rawRequest, SERVICE, type RawResponse } from './harness.js';

/** A memory store that records every key and prefix it is asked about. */
class RecordingKv extends MemoryKv {
  readonly touched: string[] = [];
  override async get(key: string): Promise<{ kv: KeyValue | undefined; revision: bigint }> {
    this.touched.push(key);
    return super.get(key);
  }
  override async list(prefix: string): Promise<{ kvs: KeyValue[]; revision: bigint }> {
    this.touched.push(prefix);
    return super.list(prefix);
  }
  override async listPrefixes(prefixes: readonly string[]): Promise<{ lists: KeyValue[][]; revision: bigint }> {
    this.touched.push(...prefixes);
    return super.listPrefixes(prefixes);
  }
  override async txn(compares: readonly Compare[], success: readonly TxnOp[], failure: readonly TxnOp[] = []): Promise<TxnResult> {
    const keyOf = (o: TxnOp): string => ('key' in o ? o.key : o.prefix);
    this.touched.push(...compares.map((c) => c.key), ...success.map(keyOf), ...failure.map(keyOf));
    return super.txn(compares, success, failure);
  }
}

const U = '/fleet/v1/units';
/** Valid unit names (systemd allows a leading '-') that look like options of systemctl or journalctl. */
const OPTION_LIKE = ['--help.service', '-f.service', '--user.service', '--no-pager.service', '-.mount'];

describe('hostile names and options', () => {
  let dir: string;
  let socket: string;
  let kv: RecordingKv;
  let registry: Registry;
  let commands: FakeLocalCommands;
  let server: ApiServer;
  const req = (method: string, path: string, body?: unknown): Promise<RawResponse> =>
    rawRequest(socket, method, path, body === undefined ? {} : { body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fleet-hostile-'));
    socket = join(dir, 'fleet.sock');
    kv = new RecordingKv();
    registry = createRegistry(kv);
    commands = new FakeLocalCommands('system');
    server = await startApiServer({ registry: registry.api, machineId: 'm1', tokenLimit: 100, listen: { socket }, commands });
    await kv.txn([], [{ type: 'put', key: registry.layout.machine('m1'), value: encodeMachine({ id: 'm1', publicIP: '10.0.0.1', metadata: {}, version: '0.1.0', capabilities: {} }) }]);
    for (const name of ['ok.service', ...OPTION_LIKE]) {
      const r = await req('PUT', `${U}/${encodeURIComponent(name)}`, { desiredState: 'launched', options: SERVICE });
      assert.equal(r.status, 201, `${name}: ${r.text}`);
      await kv.txn([], [{ type: 'put', key: registry.layout.schedule('m1', name), value: encodeSchedule({ machineId: 'm1', name, hash: 'x', targetState: 'launched' }) }]);
    }
  });
  after(async () => {
    await server.close();
    await registry.close();
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    kv.touched.length = 0;
    commands.calls.length = 0;
    commands.script = () => ({});
  });

  /** Every key of the store, to show a refused request changed nothing. */
  const snapshot = async (): Promise<string> => JSON.stringify((await kv.list('')).kvs.map((k) => [k.key, k.value]));

  /** Paths as a client puts them on the wire, and the decoded fragment no key or argv may contain. */
  const HOSTILE: ReadonlyArray<readonly [string, string, RegExp]> = [
    ['..%2Fx.service', '../x.service', /invalid character '\/' in unit name/],
    ['..%2F..%2Fmachines%2Fm1%2Fobject', '../../machines', /invalid unit type: "\/machines\/m1\/object"/],
    ['a%2Fb.service', 'a/b.service', /invalid character '\/' in unit name/],
    ['%2e%2e.service', '...service', /unit name cannot start in "\."/],
    ['..%5cx.service', '..\\x', /unit name cannot start in "\."/],
    ['--output%3Djson.service', '--output=json', /invalid character '=' in unit name/],
    ['x.service%00', 'service\0', /invalid unit type/],
    ['x%0D%0AX-Evil%3A%201.service', '\r\n', /invalid character '\\r' in unit name/],
    ['x.service%20--all', ' --all', /invalid unit type/],
    ['%C3%A9.service', 'é', /invalid character 'é' in unit name/],
    [`${'a'.repeat(300)}.service`, 'a'.repeat(300), /unit name exceeds maximum length \(256\)/],
  ];

  test('PUT of a hostile name: 400 naming the problem, no key built from it, nothing written', async () => {
    const before = await snapshot();
    for (const [wire, fragment, message] of HOSTILE) {
      const r = await req('PUT', `${U}/${wire}`, { desiredState: 'launched', options: SERVICE });
      assert.equal(r.status, 400, `${wire}: ${r.text}`);
      assert.match(r.json?.error?.message, message, wire);
      assert.equal(r.json?.error?.code, 400);
      assert.deepEqual(kv.touched.filter((k) => k.includes(fragment)), [], `${wire} reached a key`);
    }
    assert.equal(await snapshot(), before);
  });

  test('GET, DELETE, status, journal and explain of a hostile name: a JSON 4xx, no key built from it, no command run', async () => {
    const before = await snapshot();
    for (const [wire, fragment] of HOSTILE) {
      for (const [method, suffix] of [['GET', ''], ['DELETE', ''], ['GET', '/status'], ['GET', '/journal'], ['GET', '/explain'], ['GET', '/journal?follow=true']] as const) {
        const r = await req(method, `${U}/${wire}${suffix}`);
        assert.ok(r.status >= 400 && r.status < 500, `${method} ${wire}${suffix}: ${r.status}`);
        assert.equal(typeof r.json?.error?.message, 'string', `${method} ${wire}${suffix}: ${r.text}`);
        assert.deepEqual(kv.touched.filter((k) => k.includes(fragment)), [], `${method} ${wire}${suffix} reached a key`);
      }
      const state = await req('GET', `/fleet/v1/state/${wire}`);
      assert.ok(state.status >= 400 && state.status < 500, `state ${wire}: ${state.status}`);
    }
    assert.deepEqual(commands.calls, []);
    assert.equal(await snapshot(), before);
  });

  test('literal ../ segments and dot segments never reach a unit route', async () => {
    for (const path of [`${U}/../machines`, `${U}/./ok.service/../../state`, `${U}/ok.service/..`, `/fleet/v1/../v1/units/../units`, `${U}/%2e%2e`, `${U}/%2E%2E%2F%2E%2E%2Fetc%2Fpasswd`]) {
      const r = await req('DELETE', path);
      assert.ok(r.status >= 400 && r.status < 500, `${path}: ${r.status}`);
      assert.equal(typeof r.json?.error, 'object', `${path}: ${r.text}`);
    }
    assert.ok(await registry.api.getUnit('ok.service'), 'still there');
  });

  test('names that look like options reach systemctl after "--" and journalctl as -u\'s argument', async () => {
    for (const name of OPTION_LIKE) {
      const status = await req('GET', `${U}/${encodeURIComponent(name)}/status`);
      assert.equal(status.status, 200, `${name}: ${status.text}`);
      const journal = await req('GET', `${U}/${encodeURIComponent(name)}/journal?lines=5&output=cat`);
      assert.equal(journal.status, 200, `${name}: ${journal.text}`);
    }
    const runs = commands.calls;
    assert.equal(runs.length, OPTION_LIKE.length * 2);
    for (const [i, name] of OPTION_LIKE.entries()) {
      const systemctl = runs[2 * i]!;
      const journalctl = runs[2 * i + 1]!;
      assert.deepEqual(systemctl, ['systemctl', 'status', '-l', '--no-pager', '--full', '--', name]);
      // -u takes the next word as its value whatever it starts with (getopt's required argument).
      assert.deepEqual(journalctl, ['journalctl', '-u', name, '--no-pager', '-n', '5', '-o', 'cat']);
      assert.equal(systemctl.filter((a) => a === name).length, 1);
      assert.equal(journalctl.filter((a) => a === name).length, 1);
    }
  });

  test('journal options are validated before a command line is built: 400 naming the option', async () => {
    const cases: ReadonlyArray<readonly [string, RegExp]> = [
      ['lines=--all', /invalid lines "--all"/],
      ['lines=-1', /invalid lines "-1"/],
      ['lines=1e3', /invalid lines "1e3"/],
      ['lines=5%20-f', /invalid lines "5 -f"/],
      ['lines=99999999999', /invalid lines "99999999999"/],
      ['output=cat%20-f', /invalid output "cat -f"/],
      ['output=--file%3D%2Fetc%2Fshadow', /invalid output "--file=\/etc\/shadow"/],
      ['output=json%0D%0AX-Evil:%201', /invalid output "json\\r\\nX-Evil: 1"/],
      ['follow=--all', /invalid follow "--all"/],
    ];
    for (const [query, message] of cases) {
      const r = await req('GET', `${U}/ok.service/journal?${query}`);
      assert.equal(r.status, 400, `${query}: ${r.text}`);
      assert.match(r.json?.error?.message, message, query);
      assert.equal(r.headers['x-evil'], undefined);
    }
    assert.deepEqual(commands.calls, []);
  });

  test('machine ids: a hostile machineID is compared, never used as a key or a header', async () => {
    for (const id of ['../m1', 'm1/../m2', '--all', 'm1\r\nX-Evil: 1', '%00']) {
      for (const suffix of ['status', 'journal']) {
        const r = await req('GET', `${U}/ok.service/${suffix}?machineID=${encodeURIComponent(id)}`);
        assert.equal(r.status, 404, `${id}: ${r.text}`);
        assert.equal(r.json?.error?.message, `unit ok.service is not scheduled to machine ${JSON.stringify(id)}`);
        assert.equal(r.headers['x-fleet-machine-id'], undefined);
        assert.equal(r.headers['x-evil'], undefined);
      }
      assert.deepEqual(kv.touched.filter((k) => k.includes(id)), [], `${JSON.stringify(id)} reached a key`);
      const state = await req('GET', `/fleet/v1/state?machineID=${encodeURIComponent(id)}`);
      assert.equal(state.status, 200, 'a filter that matches nothing');
      assert.deepEqual(state.json, {});
    }
    for (const id of ['../m1', 'm1/x', '-m', 'm1\r\nX: 1']) {
      const r = await req('PATCH', '/fleet/v1/machines', [{ op: 'add', path: `/${id}/metadata/k`, value: 'v' }]);
      assert.equal(r.status, 400, `${id}: ${r.text}`);
      assert.equal(r.json?.error?.message, 'machine metadata path invalid');
    }
    assert.deepEqual(commands.calls, []);
  });

  test('header injection: CR/LF in the request line or a header gets a JSON 4xx, and nothing is echoed into a response header', async () => {
    const send = (text: string): Promise<string> =>
      new Promise((resolve, reject) => {
        const s = connect({ path: socket });
        let got = '';
        s.on('data', (d: Buffer) => (got += d.toString()));
        s.on('end', () => resolve(got));
        s.on('error', reject);
        s.end(text);
      });
    // The parser reads this as a request line without a version and a header line; either way, 4xx.
    const splitLine = await send(`GET ${U}/x.service\r\nX-Evil: 1 HTTP/1.1\r\nHost: x\r\n\r\n`);
    assert.match(splitLine, /^HTTP\/1\.1 4\d\d /);
    assert.doesNotMatch(splitLine, /\r\nX-Evil/i);
    assert.match(splitLine, /\{"error":\{"code":4\d\d,"message":"[^"]+"\}\}/);
    const bareCr = await send(`GET ${U} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer a\rX-Evil: 1\r\n\r\n`);
    assert.match(bareCr, /^HTTP\/1\.1 400 /);
    assert.doesNotMatch(bareCr, /\r\nX-Evil/i);
    const nul = await send(`GET ${U}/ok.service\0 HTTP/1.1\r\nHost: x\r\n\r\n`);
    assert.match(nul, /^HTTP\/1\.1 400 /);
    assert.deepEqual(commands.calls, []);
  });
});

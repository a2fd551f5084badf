import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { VERSION } from '../../../src/version.js';
import { runCli } from '../../../fleetctl/cli/program.js';
import { bufferOutput } from '../../../fleetctl/output/io.js';
import { FakeCluster, HELLO, M1, M2, fleetctl, unitDir } from './support/cluster.js';
import { startStub, streamWithTrailer } from './support/stub-server.js';

async function withHello(apiEndpoint?: string): Promise<FakeCluster> {
  const c = new FakeCluster();
  await c.addMachine(M1, '172.17.8.101', {}, apiEndpoint);
  const dir = unitDir({ 'hello.service': HELLO, 'idle.service': HELLO, 'g.service': `${HELLO}\n[X-Fleet]\nGlobal=true\n` });
  assert.equal((await fleetctl(c, ['start', join(dir, 'hello.service')])).code, 0);
  assert.equal((await fleetctl(c, ['submit', join(dir, 'idle.service'), join(dir, 'g.service')])).code, 0);
  return c;
}

test('cat prints the stored body exactly', async () => {
  const c = await withHello();
  assert.deepEqual(await fleetctl(c, ['cat', 'hello']), {
    code: 0,
    out: '[Unit]\nDescription=Hello World\n\n[Service]\nExecStart=/bin/sh -c "while true; do echo hi; sleep 1; done"\n',
    err: '',
  });
  assert.deepEqual(await fleetctl(c, ['cat', 'nope']), { code: 1, out: '', err: 'Unit nope.service not found\n' });
  assert.deepEqual(await fleetctl(c, ['cat', 'a', 'b']), { code: 1, out: '', err: 'One unit file must be provided\n' });
});

test('status and journal refuse what they cannot show, in fleet\'s words', async () => {
  const c = await withHello();
  assert.deepEqual(await fleetctl(c, ['status', 'nope']), { code: 1, out: '', err: 'Unit nope.service does not exist.\n' });
  assert.deepEqual(await fleetctl(c, ['status', 'idle']), { code: 1, out: '', err: 'Unit idle.service does not appear to be loaded.\n' });
  assert.deepEqual(await fleetctl(c, ['journal', 'idle']), { code: 1, out: '', err: 'Unit idle.service does not appear to be running.\n' });
  assert.deepEqual(await fleetctl(c, ['journal', 'g']), { code: 1, out: '', err: 'Global unit g.service is not loaded on any machine.\n' });
  assert.deepEqual(await fleetctl(c, ['status', '--machine', M1.slice(0, 8), 'idle']), { code: 1, out: '', err: `Unit idle.service is not loaded on machine ${M1}.\n` });
  assert.deepEqual(await fleetctl(c, ['journal', '--machine', 'fff', 'hello']), { code: 1, out: '', err: 'no machine in the cluster has an ID starting with "fff"\n' });
  assert.deepEqual(await fleetctl(c, ['journal']), { code: 1, out: '', err: 'One unit file must be provided.\n' });
  const bad = await fleetctl(c, ['journal', '-o', 'bogus', 'hello']);
  assert.equal(bad.code, 1);
  assert.match(bad.err, /^Invalid output mode "bogus"/);
});

test('status names the machine when its API cannot be reached', async () => {
  const c = await withHello();
  assert.deepEqual(await fleetctl(c, ['status', 'hello']), {
    code: 1,
    out: '',
    err: `Unit hello.service runs on machine ${M1}, and no API endpoint of that machine is reachable: the machine publishes no API endpoint\n`,
  });
});

test('status and journal stream from the machine\'s API with its exit code (etcd driver)', async (t) => {
  const stub = await startStub('tcp', {
    'GET /fleet/v1/units/hello.service/status': (_req, res) => streamWithTrailer(res, ['● hello.service - Hello World\n'], 3),
    'GET /fleet/v1/units/hello.service/journal': (req, res) => streamWithTrailer(res, [`${new URL(req.url!, 'http://x').search}\n`], 0),
  });
  t.after(() => stub.close());
  const c = await withHello(stub.endpoint);
  assert.deepEqual(await fleetctl(c, ['status', 'hello']), { code: 3, out: '● hello.service - Hello World\n', err: '' });
  assert.deepEqual(await fleetctl(c, ['journal', '-n', '20', '--output=cat', 'hello']), { code: 0, out: '?lines=20&output=cat&follow=false\n', err: '' });
  assert.deepEqual(await fleetctl(c, ['journal', '--f', 'hello']), { code: 0, out: '?lines=10&output=short&follow=true\n', err: '' });
});

test('unknown commands and flags exit 1 (fleet exited 0)', async () => {
  const c = await withHello();
  const r = await fleetctl(c, ['bogus']);
  assert.equal(r.code, 1);
  assert.match(r.err, /unknown command 'bogus'/);
  const r2 = await fleetctl(c, ['list-units', '--bogus']);
  assert.equal(r2.code, 1);
  assert.match(r2.err, /unknown option '--bogus'/);
  const r3 = await fleetctl(c, ['list-units', 'extra']);
  assert.equal(r3.code, 1);
  const r4 = await fleetctl(c, ['start', '--block-attempts=x', 'a']);
  assert.equal(r4.code, 1);
  assert.match(r4.err, /invalid number "x"/);
});

test('version, help, no arguments', async () => {
  const c = new FakeCluster();
  const v = `fleetctl version ${VERSION}\n`;
  assert.deepEqual(await fleetctl(c, ['version']), { code: 0, out: v, err: '' });
  assert.deepEqual(await fleetctl(c, ['--version']), { code: 0, out: v, err: '' });
  assert.deepEqual(await fleetctl(c, ['-v']), { code: 0, out: v, err: '' });
  const none = await fleetctl(c, []);
  assert.equal(none.code, 0);
  assert.match(none.out, /^NAME:\n\tfleetctl - /);
  for (const argv of [['help', 'start'], ['start', '--help'], ['start', '-h']]) {
    const h = await fleetctl(c, argv);
    assert.equal(h.code, 0, argv.join(' '));
    assert.match(h.out, /^NAME:\n\tfleetctl start - .*\n\nUSAGE:\n\tfleetctl start \[command options\] UNIT\.\.\./);
    assert.match(h.out, /--block-attempts=0/);
  }
});

test('ssh is refused with a pointer to status/journal', async () => {
  const r = await fleetctl(new FakeCluster(), ['ssh', 'hello.service', '--', 'uptime']);
  assert.equal(r.code, 1);
  assert.match(r.err, /^fleetctl ssh is not supported: use "fleetctl status UNIT" or "fleetctl journal UNIT"/);
});

test('completion prints scripts for bash and zsh', async () => {
  const c = new FakeCluster();
  const bash = await fleetctl(c, ['completion', 'bash']);
  assert.equal(bash.code, 0);
  assert.match(bash.out, /complete -o default -F _fleetctl fleetctl\n$/);
  assert.match(bash.out, /start\) opts="--block-attempts --no-block --replace"; units=files ;;/);
  const zsh = await fleetctl(c, ['completion', 'zsh']);
  assert.match(zsh.out, /^#compdef fleetctl\n/);
  assert.equal((await fleetctl(c, ['completion', 'fish'])).code, 1);
});

test('root flags come from the command line, then FLEETCTL_* variables; --debug works on the command line', async () => {
  const seen: Array<Record<string, unknown>> = [];
  const c = await withHello();
  const run = async (argv: string[], env: Record<string, string>) => {
    const out = bufferOutput();
    const code = await runCli(argv, {
      out,
      env,
      createClient: (g) => {
        seen.push({ ...g });
        return c.client;
      },
    });
    return { code, out: out.out(), err: out.err() };
  };
  await run(['list-machines', '--endpoint', 'http://10.0.0.1:1'], { FLEETCTL_ENDPOINT: 'http://env:1', FLEETCTL_DRIVER: 'ETCD', FLEETCTL_ETCD_KEYFILE: '/k' });
  assert.equal(seen[0]!['endpoint'], 'http://10.0.0.1:1');
  assert.equal(seen[0]!['driver'], 'etcd');
  assert.equal(seen[0]!['keyFile'], '/k', 'deprecated alias via env');
  const d = await run(['--debug', 'list-machines'], {});
  assert.equal(d.code, 0);
  assert.match(d.err, /^\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d DEBUG client: listMachines\(\) ok in \d+ms\n/);
  const bad = await runCli(['--driver', 'x', 'list-units'], { out: bufferOutput(), env: {} });
  assert.equal(bad, 1);
  const o = bufferOutput();
  assert.equal(await runCli(['list-units'], { out: o, env: { FLEETCTL_DRIVER: 'x' } }), 1);
  assert.equal(o.err(), 'Unable to initialize client: unrecognized driver "x"\n');
});

test('status and journal of a global unit: every machine, headed; --machine picks one; -f needs --machine', async (t) => {
  const stubs = await Promise.all(
    ['one', 'two'].map((who) =>
      startStub('tcp', {
        'GET /fleet/v1/units/g.service/status': (_req, res) => streamWithTrailer(res, [`status on ${who}\n`], who === 'two' ? 3 : 0),
        'GET /fleet/v1/units/g.service/journal': (_req, res) => streamWithTrailer(res, [`journal on ${who}\n`], 0),
      }),
    ),
  );
  t.after(() => Promise.all(stubs.map((s) => s.close())));
  const c = new FakeCluster();
  await c.addMachine(M1, '172.17.8.101', {}, stubs[0]!.endpoint);
  await c.addMachine(M2, '172.17.8.102', {}, stubs[1]!.endpoint);
  const dir = unitDir({ 'g.service': `${HELLO}\n[X-Fleet]\nGlobal=true\n` });
  assert.equal((await fleetctl(c, ['start', join(dir, 'g.service')])).code, 0);
  await c.tick();
  const h1 = '● g.service on 113f16a7.../172.17.8.101\n';
  const h2 = '● g.service on 2c5e8a1b.../172.17.8.102\n';
  assert.deepEqual(await fleetctl(c, ['status', 'g']), { code: 3, out: `${h1}status on one\n\n${h2}status on two\n`, err: '' }, 'a failing machine makes the exit non-zero');
  assert.deepEqual(await fleetctl(c, ['journal', 'g']), { code: 0, out: `${h1}journal on one\n\n${h2}journal on two\n`, err: '' });
  assert.deepEqual(await fleetctl(c, ['journal', '--machine', M2.slice(0, 8), 'g']), { code: 0, out: 'journal on two\n', err: '' });
  assert.deepEqual(await fleetctl(c, ['status', '--machine', M1, 'g']), { code: 0, out: 'status on one\n', err: '' });
  assert.deepEqual(await fleetctl(c, ['journal', '-f', 'g']), {
    code: 1,
    out: '',
    err: 'Cannot follow global unit g.service on several machines at once: pick one with --machine ID.\n',
  });
  assert.deepEqual(await fleetctl(c, ['status', '--machine', 'not-hex', 'g']), {
    code: 1,
    out: '',
    err: 'invalid machine ID "not-hex": expected a machine ID of up to 32 hex digits, or a prefix of one\n',
  });
});

test('a bad --request-timeout is an error naming the value, never a silent 3 s', async () => {
  const c = new FakeCluster();
  const want = (v: string) => ({ code: 1, out: '', err: `Unable to initialize client: invalid --request-timeout ${JSON.stringify(v)}: expected a positive number of seconds\n` });
  assert.deepEqual(await fleetctl(c, ['--request-timeout=abc', 'list-units']), want('abc'));
  assert.deepEqual(await fleetctl(c, ['--request-timeout', '-1', 'list-units']), want('-1'));
  assert.deepEqual(await fleetctl(c, ['list-units'], { env: { FLEETCTL_REQUEST_TIMEOUT: '0' } }), want('0'));
  assert.equal((await fleetctl(c, ['--request-timeout=0.5', 'list-units'])).code, 0);
});

test('-o of explain, events, rollout status and apply takes text or json only; anything else exits 1 naming the value, before any request', async () => {
  for (const argv of [['explain', '-o', 'yaml', 'a.service'], ['events', '-o', 'yaml'], ['rollout', 'status', '-o', 'yaml'], ['apply', '-o', 'yaml', 'dir']]) {
    const out = bufferOutput(false);
    const code = await runCli(['--endpoint', 'unix:///nonexistent/fleet.sock', ...argv], { out, env: {} });
    assert.equal(code, 1, argv.join(' '));
    assert.match(out.err(), /invalid output format "yaml": use text or json/, argv.join(' '));
  }
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { buildUnit } from '../../../src/units/index.js';
import { runCli } from '../../../fleetctl/cli/program.js';
import { bufferOutput } from '../../../fleetctl/output/io.js';
import { FakeCluster, HELLO, M1, M2, fleetctl, unitDir } from './support/cluster.js';
import { json, startStub } from './support/stub-server.js';

const GLOBAL = `${HELLO}\n[X-Fleet]\nGlobal=true\n`;

async function cluster(): Promise<FakeCluster> {
  const c = new FakeCluster();
  await c.addMachine(M1, '172.17.8.101', { az: 'us-west-1a', disk: 'ssd' });
  await c.addMachine(M2, '');
  const dir = unitDir({ 'hello.service': HELLO, 'idle.service': HELLO, 'g.service': GLOBAL });
  assert.equal((await fleetctl(c, ['start', join(dir, 'hello.service')])).code, 0);
  assert.equal((await fleetctl(c, ['submit', join(dir, 'idle.service'), join(dir, 'g.service')])).code, 0);
  return c;
}

test('list-machines: fleet layout, legends, sorted metadata', async () => {
  const c = await cluster();
  assert.deepEqual(await fleetctl(c, ['list-machines']), {
    code: 0,
    out: 'MACHINE\t\tIP\t\tMETADATA\n113f16a7...\t172.17.8.101\taz=us-west-1a,disk=ssd\n2c5e8a1b...\t-\t\t-\n',
    err: '',
  });
  assert.deepEqual(await fleetctl(c, ['list-m', '--no-legend', '-l', '--fields', 'machine']), { code: 0, out: `${M1}\n${M2}\n`, err: '' }, 'prefix matching, --full as -l');
});

test('list-units: one row per state report', async () => {
  const c = await cluster();
  const hash = buildUnit('hello.service', HELLO).hash;
  assert.deepEqual(await fleetctl(c, ['list-units']), {
    code: 0,
    out: 'UNIT\t\tMACHINE\t\t\t\tACTIVE\tSUB\nhello.service\t113f16a7.../172.17.8.101\tactive\trunning\n',
    err: '',
  });
  assert.deepEqual(await fleetctl(c, ['list-units', '--no-legend', '--fields=unit,hash,load']), { code: 0, out: `hello.service\t${hash.slice(0, 7)}\tloaded\n`, err: '' });
  assert.deepEqual(await fleetctl(c, ['list-units', '--no-legend', '--full', '--fields=hash,machine']), { code: 0, out: `${hash}\t${M1}/172.17.8.101\n`, err: '' });
  assert.deepEqual(await fleetctl(c, ['list-units', '--l', '--no-legend', '--fields=machine']), { code: 0, out: `${M1}/172.17.8.101\n`, err: '' }, "fleet's --l spelling");
});

test('list-unit-files: desired and current state, targets, globals', async () => {
  const c = await cluster();
  const h = (n: string, t: string): string => buildUnit(n, t).hash.slice(0, 7);
  assert.deepEqual(await fleetctl(c, ['list-unit-files']), {
    code: 0,
    out:
      'UNIT\t\tHASH\tDSTATE\t\tSTATE\t\tTARGET\n' +
      `g.service\t${h('g.service', GLOBAL)}\tinactive\t-\t\tglobal\n` +
      `hello.service\t${h('hello.service', HELLO)}\tlaunched\tlaunched\t113f16a7.../172.17.8.101\n` +
      `idle.service\t${h('idle.service', HELLO)}\tinactive\tinactive\t-\n`,
    err: '',
  });
  assert.deepEqual(await fleetctl(c, ['list-unit-files', '--no-legend', '--fields=unit,global,desc,tmachine']), {
    code: 0,
    out: 'g.service\ttrue\tHello World\tglobal\nhello.service\tfalse\tHello World\t113f16a7.../172.17.8.101\nidle.service\tfalse\tHello World\t-\n',
    err: 'WARNING: The "tmachine" field is deprecated. Use "target" instead\n',
  });
});

test('--fields errors are fleet\'s, exit 1', async () => {
  const c = await cluster();
  assert.deepEqual(await fleetctl(c, ['list-units', '--fields=']), { code: 1, out: '', err: 'Must define output format\n' });
  assert.deepEqual(await fleetctl(c, ['list-machines', '--fields=machine,bogus']), { code: 1, out: '', err: 'Invalid key in output format: "bogus"\n' });
  assert.deepEqual(await fleetctl(c, ['list-units', '-o', 'yaml']), { code: 1, out: '', err: 'Invalid output format "yaml": use table or json\n' });
});

test('-o json prints an array of objects with full values', async () => {
  const c = await cluster();
  const machines = JSON.parse((await fleetctl(c, ['list-machines', '-o', 'json'])).out) as unknown;
  assert.deepEqual(machines, [
    { machine: M1, ip: '172.17.8.101', metadata: { az: 'us-west-1a', disk: 'ssd' } },
    { machine: M2, ip: null, metadata: {} },
  ]);
  const units = JSON.parse((await fleetctl(c, ['list-units', '--output', 'json'])).out) as unknown;
  const hash = buildUnit('hello.service', HELLO).hash;
  assert.deepEqual(units, [{ unit: 'hello.service', machine: M1, ip: '172.17.8.101', hash, load: 'loaded', active: 'active', sub: 'running' }]);
  const files = JSON.parse((await fleetctl(c, ['list-unit-files', '-o', 'json'])).out) as Array<Record<string, unknown>>;
  assert.deepEqual(files.map((f) => [f['unit'], f['dstate'], f['state'], f['target'], f['global']]), [
    ['g.service', 'inactive', null, 'global', true],
    ['hello.service', 'launched', 'launched', M1, false],
    ['idle.service', 'inactive', 'inactive', null, false],
  ]);
});

test('list commands report registry failures', async () => {
  const c = await cluster();
  await c.registry.close();
  const r = await fleetctl(c, ['list-machines']);
  assert.equal(r.code, 1);
  assert.match(r.err, /^Error retrieving list of active machines from fleet API \(.+\)\nPossible issues:\n {2}etcd is unhealthy and\/or lost quorum\n {2}connection cannot be established to any etcd servers\n$/);
  const r2 = await fleetctl(c, ['list-units']);
  assert.equal(r2.code, 1);
  assert.match(r2.err, /^Error retrieving list of units from repository: /);
});

const GiB = 1024 ** 3;

async function resourceCluster(): Promise<FakeCluster> {
  const c = new FakeCluster();
  await c.addMachine(M1, '172.17.8.101', {}, undefined, { capacity: { cpu: 4, memory: 16 * GiB, gpu: 2 }, reserved: { memory: GiB }, allocated: { cpu: 1.5, memory: 2 * GiB } });
  await c.addMachine(M2, '172.17.8.102', {}, undefined, { capacity: { cpu: 2, memory: 4 * GiB }, reserved: {}, allocated: { cpu: 3 } });
  return c;
}

test('list-machines --fields cpu,memory,gpu: allocated/allocatable, over-commitment marked', async () => {
  const c = await resourceCluster();
  assert.deepEqual(await fleetctl(c, ['list-machines', '--fields', 'machine,cpu,memory,gpu']), {
    code: 0,
    out: 'MACHINE\t\tCPU\t\tMEMORY\t\tGPU\n113f16a7...\t1.5/4\t\t2.0G/15.0G\t0/2\n2c5e8a1b...\t3/2 (over)\t0/4.0G\t\t0/0\n',
    err: '',
  });
  assert.deepEqual(await fleetctl(c, ['list-machines', '--fields=machine,fpga']), { code: 1, out: '', err: 'Invalid key in output format: "fpga"\n' }, 'a resource no machine offers');
  assert.deepEqual(await fleetctl(c, ['list-machines']), {
    code: 0,
    out: 'MACHINE\t\tIP\t\tMETADATA\n113f16a7...\t172.17.8.101\t-\n2c5e8a1b...\t172.17.8.102\t-\n',
    err: '',
  }, 'default columns unchanged');
});

test('list-machines -o json: a resources object with capacity, reserved, allocatable, allocated', async () => {
  const c = await resourceCluster();
  const machines = JSON.parse((await fleetctl(c, ['list-machines', '-o', 'json'])).out) as Array<Record<string, unknown>>;
  assert.deepEqual(machines[0], {
    machine: M1,
    ip: '172.17.8.101',
    metadata: {},
    resources: {
      capacity: { cpu: 4, memory: 16 * GiB, gpu: 2 },
      reserved: { memory: GiB },
      allocatable: { cpu: 4, memory: 15 * GiB, gpu: 2 },
      allocated: { cpu: 1.5, memory: 2 * GiB },
    },
  });
});

test('list-unit-files --fields priority: Priority= or 0; JSON has priority only where set', async () => {
  const c = await cluster();
  const dir = unitDir({ 'vip.service': `${HELLO}\n[X-Fleet]\nPriority=500\n` });
  assert.equal((await fleetctl(c, ['submit', join(dir, 'vip.service')])).code, 0);
  assert.deepEqual(await fleetctl(c, ['list-unit-files', '--no-legend', '--fields=unit,priority']), {
    code: 0,
    out: 'g.service\t0\nhello.service\t0\nidle.service\t0\nvip.service\t500\n',
    err: '',
  });
  const files = JSON.parse((await fleetctl(c, ['list-unit-files', '-o', 'json'])).out) as Array<Record<string, unknown>>;
  assert.deepEqual(files.map((f) => [f['unit'], 'priority' in f, f['priority']]), [
    ['g.service', false, undefined],
    ['hello.service', false, undefined],
    ['idle.service', false, undefined],
    ['vip.service', true, 500],
  ]);
});

test('list-unit-files with summary columns only lists units without their files, same output', async () => {
  const c = await cluster();
  const calls: string[] = [];
  const client = new Proxy(c.client, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver) as unknown;
      if (typeof v === 'function' && typeof prop === 'string') calls.push(prop);
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
  assert.deepEqual(await fleetctl(c, ['list-unit-files', '--no-legend', '--fields=unit,global,dstate,target'], { client }), {
    code: 0,
    out: 'g.service\ttrue\tinactive\tglobal\nhello.service\tfalse\tlaunched\t113f16a7.../172.17.8.101\nidle.service\tfalse\tinactive\t-\n',
    err: '',
  });
  assert.deepEqual(calls, ['listUnitSummaries', 'listMachines', 'close']);
  calls.length = 0;
  assert.equal((await fleetctl(c, ['list-unit-files', '--no-legend', '--fields=unit'], { client })).out, 'g.service\nhello.service\nidle.service\n');
  assert.deepEqual(calls, ['listUnitSummaries', 'close'], 'no machines fetched when no column shows one');
  calls.length = 0;
  await fleetctl(c, ['list-unit-files', '--no-legend', '--fields=unit,hash'], { client });
  assert.deepEqual(calls, ['listUnits', 'close'], 'the hash needs the unit file');
});

test('the API driver asks for units without options, and still knows globals from a fleet API that sends them', async (t) => {
  const units = [
    { name: 'a.service', desiredState: 'launched', currentState: 'launched', machineID: M1 },
    { name: 'g.service', desiredState: 'launched', global: true },
  ];
  const withOptions = [
    { name: 'a.service', desiredState: 'launched', options: [{ section: 'Service', name: 'ExecStart', value: '/bin/true' }] },
    { name: 'g.service', desiredState: 'launched', options: [{ section: 'X-Fleet', name: 'Global', value: 'true' }] },
  ];
  for (const [label, listed] of [['ours', units], ['fleet', withOptions]] as const) {
    const stub = await startStub('unix', { 'GET /fleet/v1/units': (_req, res) => json(res, 200, { units: listed }) });
    t.after(() => stub.close());
    const out = bufferOutput(false);
    const code = await runCli(['--endpoint', stub.endpoint, 'list-unit-files', '--no-legend', '--fields=unit,global'], { out, env: {} });
    assert.equal(code, 0, out.err());
    assert.equal(out.out(), 'a.service\tfalse\ng.service\ttrue\n', label);
    assert.deepEqual(stub.requests, ['GET /fleet/v1/units?options=false&pageSize=10000&alt=json'], label);
  }
});

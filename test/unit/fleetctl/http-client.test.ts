import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseApiEndpoint } from '../../../fleetctl/client/endpoint.js';
import { ApiError, ClientConfigError, MachineUnreachableError, TransportError } from '../../../fleetctl/client/errors.js';
import { HttpFleetClient } from '../../../fleetctl/client/http-client.js';
import { json, startStub, streamWithTrailer, type StubServer } from './support/stub-server.js';

function clientFor(stub: StubServer): HttpFleetClient {
  return new HttpFleetClient({ endpoint: parseApiEndpoint(stub.endpoint).endpoint, idleTimeoutMs: 2000 });
}

test('endpoint rules follow fleet', () => {
  assert.deepEqual(parseApiEndpoint('unix:///var/run/fleet.sock'), { endpoint: { kind: 'unix', socketPath: '/var/run/fleet.sock' }, warnings: [] });
  assert.deepEqual(parseApiEndpoint('http://10.0.0.1:49153/').endpoint, { kind: 'tcp', protocol: 'http:', host: '10.0.0.1', port: 49153, basePath: '' });
  assert.equal(parseApiEndpoint('https://h,http://other').warnings.length, 1);
  assert.throws(() => parseApiEndpoint('/var/run/fleet.sock'), new ClientConfigError('URL scheme undefined'));
  assert.throws(() => parseApiEndpoint('unix://var/run/fleet.sock'), { message: 'unable to connect to host "var" with scheme "unix"' });
  assert.throws(() => parseApiEndpoint('ftp://x'), { message: 'unsupported URL scheme "ftp"' });
});

test('lists follow nextPageToken with alt=json and map the wire entities', async (t) => {
  const stub = await startStub('unix', {
    'GET /fleet/v1/units': (req, res) => {
      if (req.url!.includes('nextPageToken=P2')) json(res, 200, { units: [{ name: 'b.service', desiredState: 'launched', currentState: 'launched', machineID: 'm1', options: [{ section: 'Service', name: 'ExecStart', value: '/bin/true' }] }] });
      else json(res, 200, { units: [{ name: 'a.service', desiredState: 'inactive', currentState: 'inactive', options: [{ section: 'Unit', name: 'Description' }] }], nextPageToken: 'P2' });
    },
    'GET /fleet/v1/machines': (_req, res) => json(res, 200, { machines: [{ id: 'm1', primaryIP: '10.0.0.1', metadata: { a: 'b' }, apiEndpoint: 'http://10.0.0.1:1' }, { id: 'm0' }] }),
    'GET /fleet/v1/state': (_req, res) => json(res, 200, { states: [{ name: 'b.service', machineID: 'm1', hash: 'abc', systemdLoadState: 'loaded', systemdActiveState: 'active', systemdSubState: 'running' }] }),
  });
  t.after(() => stub.close());
  const client = clientFor(stub);
  assert.deepEqual(await client.listUnits(), [
    { name: 'a.service', options: [{ section: 'Unit', name: 'Description', value: '' }], desiredState: 'inactive', currentState: 'inactive' },
    { name: 'b.service', options: [{ section: 'Service', name: 'ExecStart', value: '/bin/true' }], desiredState: 'launched', currentState: 'launched', machineId: 'm1' },
  ]);
  assert.deepEqual(stub.requests.slice(0, 2), ['GET /fleet/v1/units?pageSize=10000&alt=json', 'GET /fleet/v1/units?pageSize=10000&nextPageToken=P2&alt=json']);
  assert.deepEqual(await client.listMachines(), [
    { id: 'm0', metadata: {} },
    { id: 'm1', primaryIP: '10.0.0.1', metadata: { a: 'b' }, apiEndpoint: 'http://10.0.0.1:1' },
  ]);
  assert.deepEqual(await client.listUnitStates({ unitName: 'b.service' }), [
    { name: 'b.service', machineId: 'm1', hash: 'abc', loadState: 'loaded', activeState: 'active', subState: 'running' },
  ]);
  assert.equal(stub.requests.at(-1), 'GET /fleet/v1/state?unitName=b.service&pageSize=10000&alt=json');
});

test('API errors carry status and message; 404 on GET is undefined', async (t) => {
  let putBody = '';
  const stub = await startStub('unix', {
    'PUT /fleet/v1/units/foo%40.service': (_req, res, body) => {
      putBody = body;
      json(res, 400, { error: { code: 400, message: 'cannot activate template "foo@.service"' } });
    },
    'PUT /fleet/v1/units/a.service': (_req, res) => res.writeHead(204).end(),
    'DELETE /fleet/v1/units/a.service': (_req, res) => res.writeHead(503).end('{"error":{"code":503,"message":"fleet server unable to communicate with etcd"}}'),
  });
  t.after(() => stub.close());
  const client = clientFor(stub);
  assert.equal(await client.getUnit('missing.service'), undefined);
  await assert.rejects(client.setDesiredState('foo@.service', 'launched'), (e: unknown) => e instanceof ApiError && e.status === 400 && e.message === 'cannot activate template "foo@.service"');
  assert.deepEqual(JSON.parse(putBody), { name: 'foo@.service', desiredState: 'launched' });
  await client.putUnit('a.service', [{ section: 'Unit', name: 'Description', value: '' }, { section: 'Service', name: 'ExecStart', value: '/bin/true' }]);
  await assert.rejects(client.destroyUnit('a.service'), { status: 503, message: 'fleet server unable to communicate with etcd' });
});

test('an unreachable endpoint is a TransportError naming it', async () => {
  const client = new HttpFleetClient({ endpoint: { kind: 'unix', socketPath: '/nonexistent/fleet.sock' }, idleTimeoutMs: 1000 });
  await assert.rejects(client.listUnits(), (e: unknown) => e instanceof TransportError && e.message === 'unable to reach the fleet API at unix:///nonexistent/fleet.sock: ENOENT');
});

test('a server that does not answer in time gets a message that says so, not "unable to reach"', async (t) => {
  const answers: (() => void)[] = [];
  const stub = await startStub('unix', {
    // Answers only when the test ends: the client's idle timeout must fire first.
    'POST /fleet/v1/units': (_req, res) => void answers.push(() => json(res, 200, { results: [] })),
  });
  t.after(async () => {
    for (const answer of answers) answer();
    await stub.close();
  });
  const client = new HttpFleetClient({ endpoint: parseApiEndpoint(stub.endpoint).endpoint, idleTimeoutMs: 200 });
  const [outcome] = await client.writeUnits([{ kind: 'destroy', name: 'a.service' }]);
  assert.ok(outcome instanceof TransportError && !outcome.retryable, String(outcome));
  assert.equal(outcome.message, `the fleet API at ${stub.endpoint} did not answer within 0.2 s (--request-timeout; raise it for a busy cluster); the request may still have been carried out (no answer to 3 sends of this batch)`);
  assert.equal(answers.length, 3, 'the batch was sent three times');
});

test('status streams with the exit code from the trailer', async (t) => {
  const stub = await startStub('unix', {
    'GET /fleet/v1/units/a.service/status': (_req, res) => streamWithTrailer(res, ['● a.service\n', '   Active: failed\n'], 3),
  });
  t.after(() => stub.close());
  let text = '';
  const code = await clientFor(stub).status('a.service', { write: (c) => (text += c.toString()) });
  assert.equal(code, 3);
  assert.equal(text, '● a.service\n   Active: failed\n');
});

test('409 sends the client to the API of the machine that runs the unit', async (t) => {
  const remote = await startStub('tcp', {
    'GET /fleet/v1/units/a.service/journal': (req, res) => streamWithTrailer(res, [`remote ${req.url}\n`], 0),
  });
  t.after(() => remote.close());
  const local = await startStub('unix', {
    'GET /fleet/v1/units/a.service/journal': (_req, res) => {
      res.writeHead(409, { 'Content-Type': 'application/json', 'X-Fleet-Machine-ID': 'm2' });
      res.end(JSON.stringify({ error: { code: 409, message: 'unit a.service runs on machine m2, not on this machine (m1)' } }));
    },
    'GET /fleet/v1/units/b.service/journal': (_req, res) => {
      res.writeHead(409, { 'Content-Type': 'application/json', 'X-Fleet-Machine-ID': 'm3' });
      res.end('{"error":{"code":409,"message":"elsewhere"}}');
    },
    'GET /fleet/v1/machines': (_req, res) => json(res, 200, { machines: [{ id: 'm2', apiEndpoint: remote.endpoint }, { id: 'm3', primaryIP: '10.0.0.3' }] }),
  });
  t.after(() => local.close());
  const client = clientFor(local);
  let text = '';
  const code = await client.journal('a.service', { lines: 5, output: 'cat', follow: false }, { write: (c) => (text += c.toString()) });
  assert.equal(code, 0);
  assert.equal(text, 'remote /fleet/v1/units/a.service/journal?lines=5&output=cat&follow=false\n');
  await assert.rejects(
    client.journal('b.service', { lines: 10, output: 'short', follow: false }, { write: () => undefined }),
    (e: unknown) => e instanceof MachineUnreachableError && e.message === 'Unit b.service runs on machine m3, and no API endpoint of that machine is reachable: the machine publishes no API endpoint',
  );
});

test('explain shows only answers that say why a unit is not placed', async (t) => {
  const stub = await startStub('unix', {
    'GET /fleet/v1/units/a.service/explain': (_req, res) => json(res, 200, { name: 'a.service', status: 'unschedulable', machineIDs: [], message: '0 of 1 machines eligible: 1 by MachineMetadata (region=eu)' }),
    'GET /fleet/v1/units/b.service/explain': (_req, res) => json(res, 200, { name: 'b.service', status: 'scheduled', machineIDs: ['m1'], message: 'scheduled to m1' }),
    'GET /fleet/v1/units/d.service/explain': (_req, res) => json(res, 503, { error: { code: 503, message: 'etcd is unavailable' } }),
  });
  t.after(() => stub.close());
  const client = clientFor(stub);
  assert.equal(await client.explain('a.service'), '0 of 1 machines eligible: 1 by MachineMetadata (region=eu)');
  assert.equal(await client.explain('b.service'), undefined);
  assert.equal(await client.explain('c.service'), undefined);
  // A failure is not "no reason": it reaches the caller.
  await assert.rejects(client.explain('d.service'), (e: unknown) => e instanceof ApiError && e.status === 503);
});

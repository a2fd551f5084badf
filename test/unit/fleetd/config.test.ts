import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveConfig } from '../../../src/fleetd/config.js';
import { loadConfig } from '../../../src/fleetd/load-config.js';
import { ConfigError } from '../../../src/fleetd/config-error.js';
import { parseGoDuration } from '../../../src/fleetd/duration.js';
import { parseEtcdServers, parseMetadata, parseListenAddress, parseResourceOption } from '../../../src/fleetd/config-options.js';

const MID = 'f1b9cf5e1d3f4b3a9a1e0c6b8d7e6f50\n';

test('defaults match fleet where fleet had them, and ours otherwise', () => {
  const { config, warnings } = resolveConfig({ env: {}, machineIdFile: MID });
  assert.deepEqual(warnings, []);
  assert.equal(config.machineId, 'f1b9cf5e1d3f4b3a9a1e0c6b8d7e6f50');
  assert.deepEqual(config.etcd.servers, ['http://127.0.0.1:2379']);
  assert.equal(config.etcd.keyPrefix, '/fleet/');
  assert.equal(config.etcd.requestTimeoutMs, 1000);
  assert.equal(config.agentTtlMs, 30_000);
  assert.equal(config.engine.reconcileIntervalMs, 2000);
  assert.equal(config.engine.leaseTtlMs, 5000);
  assert.equal(config.engine.disabled, false);
  assert.equal(config.systemdScope, 'system');
  assert.equal(config.unitsDirectory, '/run/fleet/units');
  assert.equal(config.tokenLimit, 100);
  assert.deepEqual(config.api, {
    socket: '/var/run/fleet.sock',
    auth: 'tcp',
    insecure: false,
    rate: { qps: 50, burst: 100 },
    headerTimeoutMs: 10_000,
    bodyTimeoutMs: 30_000,
    maxConnections: 512,
    maxStreams: 32,
    inflight: { maxInflight: 8, maxQueued: 512 },
  });
  assert.deepEqual(config.metadata, {});
});

test('file < environment < overrides', () => {
  const file = { path: '/etc/fleet/fleet.conf', text: 'agent_ttl = 10s\nmetadata="region=us,disk=ssd"\nverbosity=1\nPUBLIC_IP=10.0.0.1\n' };
  const { config } = resolveConfig({
    file,
    env: { FLEET_AGENT_TTL: '5s', FLEET_VERBOSITY: '' },
    overrides: { agent_ttl: '2s' },
    machineIdFile: MID,
  });
  assert.equal(config.agentTtlMs, 2000);
  assert.equal(config.verbosity, 1, 'an empty env var does not override');
  assert.deepEqual(config.metadata, { region: 'us', disk: 'ssd' });
  assert.equal(config.publicIp, '10.0.0.1', 'keys are case-insensitive as in fleet');
  const envOnly = resolveConfig({ file, env: { FLEET_AGENT_TTL: '5s' }, machineIdFile: MID }).config;
  assert.equal(envOnly.agentTtlMs, 5000);
});

test('booleans, inline comments and quoted values in fleet.conf', () => {
  const text = '# comment\nsystemd_user = true ; inline\ndisable_engine=1\netcd_servers=["http://127.0.0.1:1", "http://127.0.0.1:2"]\n';
  const { config } = resolveConfig({ file: { path: 'f', text }, env: {}, machineIdFile: MID, xdgRuntimeDir: '/run/user/0/' });
  assert.equal(config.systemdScope, 'user');
  assert.equal(config.unitsDirectory, '/run/user/0/fleet/units');
  assert.equal(config.engine.disabled, true);
  assert.deepEqual(config.etcd.servers, ['http://127.0.0.1:1', 'http://127.0.0.1:2']);
});

test('bad values fail with the option and its source named', () => {
  const cases: Array<[Record<string, string>, RegExp]> = [
    [{ FLEET_AGENT_TTL: '30' }, /invalid value for agent_ttl \(from FLEET_AGENT_TTL\): invalid duration "30"/],
    [{ FLEET_AGENT_TTL: '10ms' }, /agent_ttl.*at least 1000 ms/],
    [{ FLEET_DISABLE_ENGINE: 'yes' }, /disable_engine.*expected a boolean/],
    [{ FLEET_ETCD_SERVERS: 'localhost:2379' }, /etcd_servers.*only http:\/\/ and https:\/\//],
    [{ FLEET_METADATA: 'region' }, /metadata.*"region" is not key=value/],
    [{ FLEET_METADATA: '=us' }, /metadata key "" must be non-empty/],
    [{ FLEET_TOKEN_LIMIT: '0' }, /token_limit.*at least 1/],
    [{ FLEET_TOKEN_LIMIT: '70000' }, /token_limit.*at most 65535/],
    [{ FLEET_ETCD_KEY_PREFIX: 'fleet' }, /etcd_key_prefix.*must start with "\/"/],
    [{ FLEET_API_LISTEN: 'example:99999' }, /api_listen.*expected host:port/],
    [{ FLEET_ETCD_CERTFILE: '/c.pem' }, /etcd_keyfile.*must be given together/],
    [{ FLEET_SYSTEMD_USER: 'true' }, /units_directory.*XDG_RUNTIME_DIR/],
    [{ FLEET_RESOURCES: 'cpu=4,memory=lots' }, /invalid value for resources \(from FLEET_RESOURCES\): memory value "lots" is not a size/],
    [{ FLEET_RESOURCES: 'cpu=4,cpu=2' }, /resources.*cpu is given more than once/],
    [{ FLEET_RESERVED: 'GPU=1' }, /invalid value for reserved.*resource name "GPU" must be lower-case/],
    [{ FLEET_RESERVED: 'cpu' }, /reserved.*"cpu" is not name=value/],
    [{ FLEET_API_AUTH: 'yes' }, /api_auth.*expected tcp, all or off/],
    [{ FLEET_API_QPS: '0' }, /api_qps.*at least 0.01/],
    [{ FLEET_API_MAX_INFLIGHT_PER_IDENTITY: '0' }, /api_max_inflight_per_identity.*at least 1/],
    [{ FLEET_API_MAX_INFLIGHT_PER_IDENTITY: '2.5' }, /api_max_inflight_per_identity/],
    [{ FLEET_API_MAX_QUEUED_PER_IDENTITY: '-1' }, /api_max_queued_per_identity.*at least 0/],
    [{ FLEET_API_CERT_FILE: '/c.pem', FLEET_API_LISTEN: '1' }, /api_key_file.*must be given together/],
    [{ FLEET_API_CLIENT_CA_FILE: '/ca.pem' }, /api_client_ca_file.*mutual TLS needs TLS/],
    [{ FLEET_API_CERT_FILE: '/c.pem', FLEET_API_KEY_FILE: '/k.pem' }, /TLS applies to the TCP API: set api_listen/],
  ];
  for (const [env, re] of cases) {
    assert.throws(() => resolveConfig({ env, machineIdFile: MID }), (err: unknown) => err instanceof ConfigError && re.test(err.message), JSON.stringify(env));
  }
  assert.throws(() => resolveConfig({ file: { path: '/x.conf', text: '[sec]\na=1\n' }, env: {}, machineIdFile: MID }), /from \/x.conf\): fleet.conf has no sections/);
  assert.throws(() => resolveConfig({ env: {} }), /unable to determine local machine ID/);
});

test('startup refusals: a TCP API other hosts can reach needs tokens, and TLS or api_insecure', () => {
  const refused: Array<[Record<string, string>, RegExp]> = [
    [{ FLEET_API_LISTEN: '0.0.0.0:49153', FLEET_API_AUTH: 'off' }, /invalid value for api_auth .*0\.0\.0\.0:49153 is reachable from other hosts but api_auth=off.*Set api_auth=tcp \(or all\).*or bind api_listen to 127\.0\.0\.1/],
    [{ FLEET_API_LISTEN: '10.0.0.5:49153', FLEET_API_AUTH: 'off', FLEET_API_INSECURE: 'true' }, /api_auth=off/],
    [{ FLEET_API_LISTEN: '0.0.0.0:49153' }, /invalid value for api_listen .*plain HTTP: set api_cert_file and api_key_file to serve TLS, or api_insecure=true/],
    [{ FLEET_API_LISTEN: '[::]:49153', FLEET_API_AUTH: 'all' }, /plain HTTP/],
  ];
  for (const [env, re] of refused) {
    assert.throws(() => resolveConfig({ env, machineIdFile: MID }), (err: unknown) => err instanceof ConfigError && re.test(err.message), JSON.stringify(env));
  }
  const allowed: Record<string, string>[] = [
    { FLEET_API_LISTEN: '49153', FLEET_API_AUTH: 'off' },
    { FLEET_API_LISTEN: 'localhost:49153', FLEET_API_AUTH: 'off' },
    { FLEET_API_LISTEN: '[::1]:49153', FLEET_API_AUTH: 'off' },
    { FLEET_API_LISTEN: '0.0.0.0:49153', FLEET_API_INSECURE: 'true' },
    { FLEET_API_LISTEN: '0.0.0.0:49153', FLEET_API_CERT_FILE: '/c.pem', FLEET_API_KEY_FILE: '/k.pem' },
  ];
  for (const env of allowed) assert.doesNotThrow(() => resolveConfig({ env, machineIdFile: MID }), JSON.stringify(env));
  const tls = resolveConfig({ env: { FLEET_API_LISTEN: '0.0.0.0:1', FLEET_API_CERT_FILE: '/c.pem', FLEET_API_KEY_FILE: '/k.pem', FLEET_API_CLIENT_CA_FILE: '/ca.pem' }, machineIdFile: MID });
  assert.deepEqual(tls.config.api.tls, { certFile: '/c.pem', keyFile: '/k.pem', clientCaFile: '/ca.pem' });
});

test('unknown and deprecated options are reported, not silently dropped', () => {
  const text = 'agent_tll=10s\nverify_units=true\n';
  const { warnings } = resolveConfig({ file: { path: '/f.conf', text }, env: {}, machineIdFile: MID });
  assert.deepEqual(warnings, ['/f.conf: unknown option "agent_tll" ignored', 'Config option verify_units is no longer supported - ignoring']);
});

test('loadConfig reads an explicit file and rejects a missing one or a directory', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fleet-config-'));
  const conf = join(dir, 'fleet.conf');
  const mid = join(dir, 'machine-id');
  writeFileSync(conf, 'public_ip=127.0.0.5\n');
  writeFileSync(mid, MID);
  const { config } = loadConfig({ configPath: conf, env: {}, machineIdPath: mid });
  assert.equal(config.publicIp, '127.0.0.5');
  assert.throws(() => loadConfig({ configPath: join(dir, 'nope.conf'), env: {}, machineIdPath: mid }), /unable to use config file/);
  mkdirSync(join(dir, 'd'));
  assert.throws(() => loadConfig({ configPath: join(dir, 'd'), env: {}, machineIdPath: mid }), /is a directory, not a file/);
  assert.equal(loadConfig({ configPath: conf, env: { FLEET_MACHINE_ID: 'abc' }, machineIdPath: join(dir, 'none') }).config.machineId, 'abc');
});

test('Go durations', () => {
  const cases: Array<[string, number]> = [['30s', 30_000], ['1m30s', 90_000], ['500ms', 500], ['1.5h', 5_400_000], ['0', 0], ['2s500ms', 2500], ['1000us', 1], ['2000\u00b5s', 2], ['3000\u03bcs', 3]];
  for (const [text, ms] of cases) assert.equal(parseGoDuration(text), ms, text);
  for (const bad of ['', '30', 's', '1d', '1.2.3s', '-']) assert.throws(() => parseGoDuration(bad), /invalid duration/, bad);
});

test('option value parsers', () => {
  assert.deepEqual(parseEtcdServers(' http://a:1 , http://b:2,'), ['http://a:1', 'http://b:2']);
  assert.deepEqual(parseMetadata('a=1, b = two ,a=3'), { a: '3', b: 'two' });
  assert.deepEqual(parseMetadata(''), {});
  assert.equal(parseListenAddress('54728'), '127.0.0.1:54728');
  assert.equal(parseListenAddress('0.0.0.0:80'), '0.0.0.0:80');
  assert.equal(parseListenAddress('[::1]:80'), '[::1]:80');
  assert.equal(parseListenAddress(''), undefined);
  assert.throws(() => parseListenAddress('1.2.3.4:99999'), /expected host:port or a port/);
  assert.deepEqual(parseResourceOption('cpu=4, memory=16G,disk=200G,gpu=2,'), { cpu: 4, memory: 16 * 1024 ** 3, disk: 200 * 1024 ** 3, gpu: 2 });
  assert.deepEqual(parseResourceOption(''), {});
});

test('resources and reserved reach the resolved config', () => {
  const { config } = resolveConfig({ env: { FLEET_RESOURCES: 'cpu=4,gpu=1', FLEET_RESERVED: 'memory=1G' }, machineIdFile: MID });
  assert.deepEqual(config.resources, { configured: { cpu: 4, gpu: 1 }, reserved: { memory: 1024 ** 3 } });
  assert.deepEqual(resolveConfig({ env: {}, machineIdFile: MID }).config.resources, { configured: {}, reserved: {} });
});

test('deploy/fleet.conf.sample documents every option and parses as-is', async () => {
  const { readFileSync } = await import('node:fs');
  const { OPTIONS } = await import('../../../src/fleetd/config-options.js');
  const sample = readFileSync(new URL('../../../../deploy/fleet.conf.sample', import.meta.url), 'utf8');
  for (const name of Object.keys(OPTIONS)) {
    assert.match(sample, new RegExp(`^#${name} =`, 'm'), `sample is missing ${name}`);
  }
  // Uncommenting every example must give a valid configuration.
  const text = sample.replace(/^#(\w+ =.*)$/gm, '$1').replace(/^(disable_watches|enable_grpc|verify_units|authorized_keys_file|etcd_username|etcd_password|etcd_cafile|etcd_certfile|etcd_keyfile|machine_id|units_directory) =.*$/gm, '');
  const { config } = resolveConfig({ file: { path: 'sample', text }, env: {}, machineIdFile: MID });
  assert.deepEqual(config.metadata, { region: 'us-west', disk: 'ssd' });
});

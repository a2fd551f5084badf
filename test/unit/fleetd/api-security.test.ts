/** fleetd's API TLS files: unusable ones stop fleetd at start (a ConfigError naming the option), not a retry loop. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setUpApiSecurity } from '../../../src/fleetd/api-security.js';
import { ConfigError } from '../../../src/fleetd/config-error.js';
import type { ApiConfig } from '../../../src/fleetd/config.js';
import { silentLogger } from '../../../src/fleetd/logger.js';
import { createFleetMetrics } from '../../../src/metrics/index.js';
import { createMemoryRegistry } from '../../../src/registry/index.js';
import { generateTestCerts, type TestCerts } from '../../support/test-certs.js';

let dir: string;
let certs: TestCerts;
const registry = createMemoryRegistry();
const base: ApiConfig = { auth: 'tcp', insecure: false, rate: { qps: 50, burst: 100 }, headerTimeoutMs: 10_000, bodyTimeoutMs: 30_000, maxConnections: 512, maxStreams: 32, inflight: { maxInflight: 8, maxQueued: 512 }, listen: '127.0.0.1:0' };

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'fleet-api-tls-'));
  certs = generateTestCerts(dir, ['127.0.0.1']);
  writeFileSync(join(dir, 'garbage.pem'), 'not a certificate\n');
});
after(async () => {
  await registry.close();
  rmSync(dir, { recursive: true, force: true });
});

function setUp(tls: ApiConfig['tls']): ReturnType<typeof setUpApiSecurity> {
  return setUpApiSecurity({ ...base, ...(tls !== undefined ? { tls } : {}) }, registry, createFleetMetrics(), silentLogger());
}

function refusal(tls: ApiConfig['tls']): ConfigError {
  try {
    setUp(tls);
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err;
  }
  assert.fail('expected a ConfigError');
}

test('usable certificate, key and client CA are read as PEM text', async () => {
  const s = setUp({ certFile: certs.serverCert, keyFile: certs.serverKey, clientCaFile: certs.clientCaCert });
  assert.match(s.listen.tls?.cert ?? '', /BEGIN CERTIFICATE/);
  assert.match(s.listen.tls?.ca ?? '', /BEGIN CERTIFICATE/);
  await s.cache.close();
});

test('each unusable file is refused naming its option', () => {
  const missing = join(dir, 'missing.pem');
  assert.equal(refusal({ certFile: missing, keyFile: certs.serverKey }).option, 'api_cert_file');
  assert.match(refusal({ certFile: missing, keyFile: certs.serverKey }).message, /missing\.pem cannot be read/);
  assert.equal(refusal({ certFile: certs.serverCert, keyFile: missing }).option, 'api_key_file');
  const mismatched = refusal({ certFile: certs.serverCert, keyFile: certs.clientKey });
  assert.equal(mismatched.option, 'api_cert_file');
  assert.match(mismatched.message, /are not a usable certificate and key/);
  const garbageCert = refusal({ certFile: join(dir, 'garbage.pem'), keyFile: certs.serverKey });
  assert.equal(garbageCert.option, 'api_cert_file');
  const garbageCa = refusal({ certFile: certs.serverCert, keyFile: certs.serverKey, clientCaFile: join(dir, 'garbage.pem') });
  assert.equal(garbageCa.option, 'api_client_ca_file');
  assert.match(garbageCa.message, /is not a usable CA certificate/);
});

/**
 * `NODE_EXTRA_CA_CERTS` without its start-up price (src/tls/extra-ca-certs.ts):
 * the bin's shebang moves the variable aside so Node does not parse the file
 * at start-up, and fleetctl still trusts the file's CAs for an https API.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rootCertificates } from 'node:tls';
import {
  defaultCaCertificates,
  MOVED_EXTRA_CA_CERTS_VAR,
  pemCertificates,
  resetExtraCaCertsForTest,
  restoreExtraCaCerts,
  trustedRootCertificates,
} from '../../../src/tls/extra-ca-certs.js';
import { generateTestCerts } from '../../support/test-certs.js';
import { FLEETCTL_BIN, FLEETCTL_MAIN } from '../../support/run-fleetctl.js';

const PEM = (body: string): string => `-----BEGIN CERTIFICATE-----\n${body}\n-----END CERTIFICATE-----`;

test('restoreExtraCaCerts puts the moved variable back for child processes and defers the file', (t) => {
  t.after(resetExtraCaCertsForTest);
  resetExtraCaCertsForTest();
  assert.equal(defaultCaCertificates(), undefined, 'nothing deferred: Node\'s own store is right');
  const env: NodeJS.ProcessEnv = { [MOVED_EXTRA_CA_CERTS_VAR]: '/etc/extra.pem' };
  restoreExtraCaCerts(env);
  assert.deepEqual(env, { NODE_EXTRA_CA_CERTS: '/etc/extra.pem' });
  const reads: string[] = [];
  const certs = defaultCaCertificates((file) => (reads.push(file), `junk\n${PEM('AAA')}\n${PEM('BBB')}\n`));
  assert.deepEqual(certs, [...rootCertificates, PEM('AAA'), PEM('BBB')]);
  defaultCaCertificates(() => assert.fail('read twice'));
  assert.deepEqual(reads, ['/etc/extra.pem']);
});

test('an unset variable moved aside (empty) defers nothing; an unreadable file is warned about and skipped', (t) => {
  t.after(resetExtraCaCertsForTest);
  resetExtraCaCertsForTest();
  const env: NodeJS.ProcessEnv = { [MOVED_EXTRA_CA_CERTS_VAR]: '' };
  restoreExtraCaCerts(env);
  assert.deepEqual(env, {});
  assert.equal(defaultCaCertificates(), undefined);
  restoreExtraCaCerts({ [MOVED_EXTRA_CA_CERTS_VAR]: '/missing.pem' });
  const warnings: string[] = [];
  const certs = defaultCaCertificates(() => { throw new Error('ENOENT: no such file'); }, (w) => warnings.push(w));
  assert.deepEqual(certs, rootCertificates);
  assert.deepEqual(warnings, ['Ignoring extra certs from `/missing.pem`, load failed: ENOENT: no such file']);
});

test('trustedRootCertificates (gRPC\'s explicit list) includes a NODE_EXTRA_CA_CERTS that Node loaded itself', (t) => {
  t.after(resetExtraCaCertsForTest);
  resetExtraCaCertsForTest();
  assert.deepEqual(trustedRootCertificates({}, () => assert.fail('no file to read')), rootCertificates);
  resetExtraCaCertsForTest();
  assert.deepEqual(trustedRootCertificates({ NODE_EXTRA_CA_CERTS: '/x.pem' }, () => PEM('CCC')), [...rootCertificates, PEM('CCC')]);
  assert.deepEqual(pemCertificates('none here'), []);
});

/** Executes `bin` itself (the launcher, or the bundle through its shebang) with `env` replacing these variables. */
function runBin(bin: string, args: readonly string[], env: Record<string, string | undefined>): Promise<{ code: number | null; out: string; err: string }> {
  const childEnv = { ...process.env, ...env };
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete childEnv[k];
  return new Promise((resolve, reject) => {
    const child = spawn(bin, [...args], { stdio: ['ignore', 'pipe', 'pipe'], env: childEnv });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out, err });
    });
  });
}

for (const [name, bin] of [['launcher (start-up snapshot)', FLEETCTL_BIN], ['plain bundle (shebang)', FLEETCTL_MAIN]] as const) {
test(`the ${name} does not read NODE_EXTRA_CA_CERTS at start-up, yet trusts its CAs for an https API`, async (t) => {
  // Node warns at start-up when it cannot load the file: the bin must not even try.
  const version = await runBin(bin, ['version'], { NODE_EXTRA_CA_CERTS: '/nonexistent/extra-ca.pem', [MOVED_EXTRA_CA_CERTS_VAR]: undefined });
  assert.equal(version.code, 0, version.err);
  assert.equal(version.err, '');
  const plainNode = await new Promise<string>((resolve) => {
    const child = spawn(process.execPath, ['-e', '0'], { env: { ...process.env, NODE_EXTRA_CA_CERTS: '/nonexistent/extra-ca.pem' }, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('close', () => resolve(err));
  });
  assert.match(plainNode, /Ignoring extra certs/, 'plain node does read it at start-up (so the check above can fail)');

  const dir = mkdtempSync(join(tmpdir(), 'fleet-extra-ca-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const certs = generateTestCerts(dir, ['127.0.0.1']);
  const server = createServer({ cert: readFileSync(certs.serverCert), key: readFileSync(certs.serverKey) }, (req, res) => {
    res.setHeader('Content-Type', 'application/json');
    res.end(req.url?.startsWith('/fleet/v1/machines') === true ? JSON.stringify({ machines: [{ id: 'a1b2c3d4e5f6', primaryIP: '127.0.0.1', metadata: {} }] }) : '{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => server.close());
  const endpoint = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const args = ['--endpoint', endpoint, '--request-timeout', '5', 'list-machines', '--no-legend'];
  const trusted = await runBin(bin, args, { NODE_EXTRA_CA_CERTS: certs.caCert, [MOVED_EXTRA_CA_CERTS_VAR]: undefined });
  assert.equal(trusted.code, 0, trusted.err);
  assert.match(trusted.out, /^a1b2c3d4\.\.\.\s+127\.0\.0\.1/);
  const untrusted = await runBin(bin, args, { NODE_EXTRA_CA_CERTS: undefined, [MOVED_EXTRA_CA_CERTS_VAR]: undefined });
  assert.equal(untrusted.code, 1);
  assert.match(untrusted.err, /unable to reach the fleet API at https:\/\/127\.0\.0\.1:\d+: (UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_GET_ISSUER_CERT_LOCALLY)/);
});
}

/**
 * Certificates a test generates for itself with openssl: a server CA and a
 * server certificate for the loopback addresses the sandbox hosts use, a
 * client CA with a client certificate (mutual TLS), and a client
 * certificate from an unrelated CA (must be refused).
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Paths of the PEM files {@link generateTestCerts} wrote. */
export interface TestCerts {
  readonly caCert: string;
  readonly serverCert: string;
  readonly serverKey: string;
  readonly clientCaCert: string;
  readonly clientCert: string;
  readonly clientKey: string;
  /** Signed by a CA fleetd does not know. */
  readonly rogueCert: string;
  readonly rogueKey: string;
}

function openssl(dir: string, args: readonly string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

function selfSignedCa(dir: string, name: string): void {
  openssl(dir, ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.pem`, '-days', '2', '-subj', `/CN=${name}`]);
}

function signed(dir: string, name: string, ca: string, extensions: string): void {
  openssl(dir, ['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`]);
  writeFileSync(join(dir, `${name}.ext`), extensions);
  openssl(dir, ['x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.pem`, '-CAkey', `${ca}.key`, '-set_serial', String(Date.now()), '-out', `${name}.pem`, '-days', '2', '-extfile', `${name}.ext`]);
}

/**
 * Writes the certificates into `dir`; the server certificate names
 * `serverIps` (and localhost).
 * @throws when openssl fails.
 */
export function generateTestCerts(dir: string, serverIps: readonly string[]): TestCerts {
  selfSignedCa(dir, 'server-ca');
  selfSignedCa(dir, 'client-ca');
  selfSignedCa(dir, 'rogue-ca');
  const sans = ['DNS:localhost', ...serverIps.map((ip) => `IP:${ip}`)].join(',');
  signed(dir, 'server', 'server-ca', `subjectAltName=${sans}\nextendedKeyUsage=serverAuth\n`);
  signed(dir, 'client', 'client-ca', 'extendedKeyUsage=clientAuth\n');
  signed(dir, 'rogue', 'rogue-ca', 'extendedKeyUsage=clientAuth\n');
  const p = (f: string): string => join(dir, f);
  return {
    caCert: p('server-ca.pem'),
    serverCert: p('server.pem'),
    serverKey: p('server.key'),
    clientCaCert: p('client-ca.pem'),
    clientCert: p('client.pem'),
    clientKey: p('client.key'),
    rogueCert: p('rogue.pem'),
    rogueKey: p('rogue.key'),
  };
}

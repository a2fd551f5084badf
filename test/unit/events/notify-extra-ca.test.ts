/**
 * fleetd's #! line moves NODE_EXTRA_CA_CERTS aside (src/tls/extra-ca-certs.ts);
 * its https client (the notify_webhook sink) must still trust that file's
 * CAs, tested against a real TLS server whose CA is given only that way.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MOVED_EXTRA_CA_CERTS_VAR } from '../../../src/tls/extra-ca-certs.js';
import { generateTestCerts } from '../../support/test-certs.js';

const dir = mkdtempSync(join(tmpdir(), 'fleet-webhook-ca-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));
const certs = generateTestCerts(dir, ['127.0.0.1']);

/**
 * Runs `script` (a file starting with fleetd's own #! line, or through plain
 * node when `shebang` is false) with `env`; resolves with its stdout JSON.
 */
function runChild(script: string, args: readonly string[], env: NodeJS.ProcessEnv, shebang: boolean): Promise<{ atStart?: string; restored?: string; moved?: string; delivered: number; problem?: string }> {
  const [cmd, argv] = shebang ? [script, args] : [process.execPath, [script, ...args]];
  return new Promise((resolve, reject) => {
    execFile(cmd, argv, { env, timeout: 30_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${err.message}\n${stderr}`));
      else resolve(JSON.parse(stdout) as never);
    });
  });
}

test('a webhook served with a certificate of a CA given only through NODE_EXTRA_CA_CERTS is trusted through fleetd\'s #! line, which moves the variable aside', async () => {
  const server = createServer({ cert: readFileSync(certs.serverCert), key: readFileSync(certs.serverKey) }, (req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(204).end());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  // A script that starts the way the installed fleetd does and POSTs one event through fleetd's webhook sink.
  const bundle = fileURLToPath(new URL('../../../fleetd-bundle/fleetd.js', import.meta.url));
  const shebangLine = readFileSync(bundle, 'utf8').split('\n')[0]!;
  const notify = new URL('../../../src/events/notify.js', import.meta.url).href;
  const clock = new URL('../../../src/clock.js', import.meta.url).href;
  const extraCa = new URL('../../../src/tls/extra-ca-certs.js', import.meta.url).href;
  const script = join(dir, 'post-event.mjs');
  writeFileSync(
    script,
    `${shebangLine}
import { webhookNotifier } from ${JSON.stringify(notify)};
import { systemClock } from ${JSON.stringify(clock)};
import { restoreExtraCaCerts } from ${JSON.stringify(extraCa)};
const atStart = process.env.NODE_EXTRA_CA_CERTS;
const moved = process.env.${MOVED_EXTRA_CA_CERTS_VAR};
restoreExtraCaCerts(); // as fleetd's bin does first
let problem;
const sink = webhookNotifier({ url: process.argv[2], clock: systemClock, attempts: 1, log: { warn: (o) => { problem = o.problem; } } });
sink.notify({ revision: 1, time: '2026-01-01T00:00:00.000Z', type: 'anomaly.unit-failing', unit: 'u.service', message: 'failed' });
await sink.idle();
process.stdout.write(JSON.stringify({ atStart, moved, restored: process.env.NODE_EXTRA_CA_CERTS, delivered: sink.stats.delivered, problem }));
`,
  );
  chmodSync(script, 0o755);
  const base = { ...process.env };
  delete base.NODE_EXTRA_CA_CERTS;
  delete base[MOVED_EXTRA_CA_CERTS_VAR];
  try {
    const viaShebang = await runChild(script, [url], { ...base, NODE_EXTRA_CA_CERTS: certs.caCert }, true);
    assert.deepEqual(viaShebang, { moved: certs.caCert, restored: certs.caCert, delivered: 1 }, 'Node starts without the variable, it is put back for children, its CA is trusted');

    const plainNode = await runChild(script, [url], { ...base, NODE_EXTRA_CA_CERTS: certs.caCert }, false);
    assert.deepEqual(plainNode, { atStart: certs.caCert, restored: certs.caCert, delivered: 1 }, 'started without the #! line, Node itself trusts the CA');

    const noCa = await runChild(script, [url], base, true);
    assert.equal(noCa.delivered, 0, 'without the CA the server is not trusted');
    assert.match(noCa.problem ?? '', /unable to verify the first certificate|self.signed|issuer/i);
    assert.equal(noCa.moved, '');

    const otherCa = await runChild(script, [url], { ...base, NODE_EXTRA_CA_CERTS: certs.clientCaCert }, true);
    assert.equal(otherCa.delivered, 0, 'a CA that did not sign the server certificate is not enough');
  } finally {
    await new Promise<void>((r) => server.close(() => r()));
  }
});

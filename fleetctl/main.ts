#!/usr/bin/env -S -u NODE_EXTRA_CA_CERTS FLEET_EXTRA_CA_CERTS=${NODE_EXTRA_CA_CERTS} node --no-opt --jitless --no-expose-wasm --max-semi-space-size=1
/**
 * fleetctl's entry point (`dist/fleetctl-bundle/main.js`, started with the
 * Node flags of `cli/node-flags.ts` by its first line): real stdout/stderr,
 * the process environment, Ctrl-C as cancellation; everything else is in
 * `cli/program.ts`.
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { restoreExtraCaCerts } from '../src/tls/extra-ca-certs.js';
import { isVersionRequest, runVersion } from './commands/version.js';
import { createOutput } from './output/io.js';

/** Runs fleetctl for `process.argv` and exits with its code. */
export async function main(): Promise<void> {
  restoreExtraCaCerts();
  const controller = new AbortController();
  let interrupts = 0;
  process.on('SIGINT', () => {
    // The first Ctrl-C ends `journal -f` and waits cleanly; a second one exits at once.
    if (interrupts++ > 0) process.exit(130);
    controller.abort(new Error('interrupted'));
  });
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
  });
  const out = createOutput({ stdout: process.stdout, stderr: process.stderr, isTTY: process.stdout.isTTY === true });
  const argv = process.argv.slice(2);
  // `version` alone needs neither commander nor the commands: answer before loading them.
  const code = isVersionRequest(argv)
    ? runVersion(out)
    : await (await import('./cli/program.js')).runCli(argv, { out, env: process.env, signal: controller.signal });
  process.exitCode = controller.signal.aborted && code === 0 && interrupts > 0 ? 0 : code;
  // Clients may hold sockets (etcd's gRPC channel); do not linger on them.
  process.stdout.write('', () => process.exit(process.exitCode));
}

function isEntryPoint(): boolean {
  try {
    return process.argv[1] !== undefined && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntryPoint()) void main();

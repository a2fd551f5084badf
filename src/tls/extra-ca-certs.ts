/**
 * `NODE_EXTRA_CA_CERTS` without its start-up price. Node 20 reads and parses
 * that file into OpenSSL's store at every process start, whether or not the
 * process ever makes a TLS connection: with Debian's bundle (140-odd
 * certificates) `node -e 0` took ~140 ms instead of ~45 ms and 2 MB more
 * memory. fleet's bins therefore start Node with the variable moved aside
 * (their shebang: `env -S -u NODE_EXTRA_CA_CERTS
 * FLEET_EXTRA_CA_CERTS=${NODE_EXTRA_CA_CERTS} node …`), put it back for
 * child processes at once ({@link restoreExtraCaCerts}), and add the
 * certificates themselves where they verify a server against the default
 * roots ({@link defaultCaCertificates}): only a process that connects over
 * TLS reads the file, and it trusts exactly what Node would have.
 */
import { readFileSync } from 'node:fs';

/** node:tls on first use: a bin that never makes a TLS connection never loads it. */
const bundledRoots = (): readonly string[] => process.getBuiltinModule('node:tls').rootCertificates;

/** Where the bins' shebang moves `NODE_EXTRA_CA_CERTS` (empty when it was unset). */
export const MOVED_EXTRA_CA_CERTS_VAR = 'FLEET_EXTRA_CA_CERTS';
/** The `env -S` arguments of a bin's shebang that move the variable aside (GNU env expands `${…}`). */
export const DEFER_EXTRA_CA_CERTS_ENV_ARGS = `-u NODE_EXTRA_CA_CERTS ${MOVED_EXTRA_CA_CERTS_VAR}=\${NODE_EXTRA_CA_CERTS}`;
const NODE_VAR = 'NODE_EXTRA_CA_CERTS';

/** The file Node did not load at start-up, set by {@link restoreExtraCaCerts}. */
let deferredFile: string | undefined;
let cached: { readonly file: string; readonly certs: readonly string[] } | undefined;

/**
 * Called first thing by a bin started through the shebang above: puts
 * `NODE_EXTRA_CA_CERTS` back into `env` (child processes see the operator's
 * environment unchanged) and remembers that this process must add the file
 * itself. Without the moved variable (e.g. `node dist/…` run directly) it
 * does nothing: Node loaded the file as usual.
 */
export function restoreExtraCaCerts(env: NodeJS.ProcessEnv = process.env): void {
  const moved = env[MOVED_EXTRA_CA_CERTS_VAR];
  if (moved === undefined) return;
  delete env[MOVED_EXTRA_CA_CERTS_VAR];
  if (moved === '') return;
  env[NODE_VAR] = moved;
  deferredFile = moved;
}

/** The PEM certificates of a bundle, in order. */
export function pemCertificates(text: string): string[] {
  return text.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
}

/**
 * Node's bundled roots plus the operator's `NODE_EXTRA_CA_CERTS` file (moved
 * aside or not): what a client that must pass an explicit list (gRPC) trusts.
 * The file is read once; an unreadable one is warned about and skipped, as
 * Node does at start-up.
 */
export function trustedRootCertificates(
  env: NodeJS.ProcessEnv = process.env,
  read: (file: string) => string = (file) => readFileSync(file, 'utf8'),
  warn: (message: string) => void = (message) => process.emitWarning(message),
): readonly string[] {
  const file = deferredFile ?? env[NODE_VAR] ?? '';
  if (cached?.file !== file) {
    let extra: string[] = [];
    if (file !== '') {
      try {
        extra = pemCertificates(read(file));
      } catch (err) {
        warn(`Ignoring extra certs from \`${file}\`, load failed: ${(err as Error).message}`);
      }
    }
    cached = { file, certs: [...bundledRoots(), ...extra] };
  }
  return cached.certs;
}

/**
 * The `ca` option for a TLS client that verifies against the default roots:
 * undefined when Node's own default store already holds everything (nothing
 * was deferred), else {@link trustedRootCertificates}.
 */
export function defaultCaCertificates(
  read?: (file: string) => string,
  warn?: (message: string) => void,
): readonly string[] | undefined {
  return deferredFile === undefined ? undefined : trustedRootCertificates(process.env, read, warn);
}

/** Test hook: forget what {@link restoreExtraCaCerts} recorded. */
export function resetExtraCaCertsForTest(): void {
  deferredFile = undefined;
  cached = undefined;
}

/**
 * fleet's rules for the API endpoint (§5.2 of the reference): only the first
 * of a comma-separated list is used, a scheme is required, `unix://` and
 * `file://` take a socket path and no host.
 */
import { ClientConfigError } from './errors.js';

/** Where the API listens. */
export type ApiEndpoint =
  | { readonly kind: 'unix'; readonly socketPath: string }
  | { readonly kind: 'tcp'; readonly protocol: 'http:' | 'https:'; readonly host: string; readonly port: number; readonly basePath: string };

/** A parsed endpoint plus what the user should be told about the flag. */
export interface ParsedEndpoint {
  readonly endpoint: ApiEndpoint;
  /** Warnings for stderr (e.g. extra endpoints ignored); empty when none. */
  readonly warnings: readonly string[];
}

/**
 * Parses the `--endpoint` value for the API driver.
 * @throws {ClientConfigError} `URL scheme undefined`, `unable to connect to
 *   host "var" with scheme "unix"`, or an unsupported scheme.
 */
export function parseApiEndpoint(value: string): ParsedEndpoint {
  const all = value.split(',').map((s) => s.trim()).filter((s) => s !== '');
  const first = all[0] ?? '';
  const warnings = all.length > 1 ? [`WARNING: multiple endpoints provided but only the first (${first}) is used`] : [];
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/]*)(.*)$/.exec(first);
  if (!m) throw new ClientConfigError('URL scheme undefined');
  const scheme = m[1]!.toLowerCase();
  const host = m[2]!;
  const path = m[3]!;
  if (scheme === 'unix' || scheme === 'file') {
    if (host !== '') throw new ClientConfigError(`unable to connect to host ${JSON.stringify(host)} with scheme ${JSON.stringify(scheme)}`);
    if (path === '') throw new ClientConfigError(`no socket path in endpoint ${JSON.stringify(first)}`);
    return { endpoint: { kind: 'unix', socketPath: path }, warnings };
  }
  if (scheme !== 'http' && scheme !== 'https') throw new ClientConfigError(`unsupported URL scheme ${JSON.stringify(scheme)}`);
  let url: URL;
  try {
    url = new URL(first);
  } catch {
    throw new ClientConfigError(`invalid endpoint URL ${JSON.stringify(first)}`);
  }
  const protocol = url.protocol as 'http:' | 'https:';
  const port = url.port !== '' ? Number(url.port) : protocol === 'https:' ? 443 : 80;
  return {
    endpoint: { kind: 'tcp', protocol, host: url.hostname.replace(/^\[|\]$/g, ''), port, basePath: url.pathname.replace(/\/+$/, '') },
    warnings,
  };
}

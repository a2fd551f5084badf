/**
 * fleetctl's root flags (§5.1) and their `FLEETCTL_*` environment fallbacks,
 * resolved in one place: command line > environment > default.
 */
import { DEFAULT_KEY_PREFIX, parseLooseBool } from '../../src/domain/index.js';
import type { FlagSpec } from '../commands/spec.js';
import { ClientConfigError } from '../client/errors.js';

/** The default API endpoint. */
export const DEFAULT_ENDPOINT = 'unix:///var/run/fleet.sock';
/** The etcd endpoint used with `--driver etcd` when no endpoint was given. */
export const DEFAULT_ETCD_ENDPOINT = 'http://127.0.0.1:2379';

/** Root flags as commands use them. */
export interface GlobalOptions {
  readonly endpoint: string;
  /** Whether `endpoint` came from the command line or environment (not the default). */
  readonly endpointGiven: boolean;
  /** Lower-cased `--driver`; validated when the client is built. */
  readonly driver: string;
  readonly etcdKeyPrefix: string;
  readonly keyFile: string;
  readonly certFile: string;
  readonly caFile: string;
  /** Seconds. */
  readonly requestTimeout: number;
  readonly debug: boolean;
  /** `--tunnel` (unsupported; refused when set). */
  readonly tunnel: string;
  /** `--token` / `FLEETCTL_TOKEN`: the API bearer token; '' = none. Never printed. */
  readonly token: string;
}

/** Root flags, in help order. Deprecated and SSH-only spellings are accepted but hidden. */
export const GLOBAL_FLAGS: readonly FlagSpec[] = [
  { flags: '--endpoint <url>', description: 'Location of the fleet API if --driver=api. Alternatively, if --driver=etcd, location of the etcd API.', defaultValue: DEFAULT_ENDPOINT },
  { flags: '--driver <driver>', description: 'Adapter used to execute fleetctl commands. Options include api and etcd.', defaultValue: 'api' },
  { flags: '--etcd-key-prefix <prefix>', description: 'Keyspace for fleet data in etcd (development use only!)', defaultValue: DEFAULT_KEY_PREFIX },
  { flags: '--key-file <path>', description: 'Location of TLS key file used to secure communication with the fleet API or etcd', defaultValue: '' },
  { flags: '--cert-file <path>', description: 'Location of TLS cert file used to secure communication with the fleet API or etcd', defaultValue: '' },
  { flags: '--ca-file <path>', description: 'Location of TLS CA file used to secure communication with the fleet API or etcd', defaultValue: '' },
  { flags: '--request-timeout <seconds>', description: 'Amount of time in seconds to allow a single request before considering it failed.', defaultValue: '3.0' },
  { flags: '--token <token>', description: 'API token sent as Authorization: Bearer (prefer FLEETCTL_TOKEN: a flag shows in the process list)' },
  { flags: '--debug', description: 'Print out more debug information to stderr' },
  { flags: '--etcd-keyfile <path>', description: 'Deprecated alias of --key-file', hidden: true },
  { flags: '--etcd-certfile <path>', description: 'Deprecated alias of --cert-file', hidden: true },
  { flags: '--etcd-cafile <path>', description: 'Deprecated alias of --ca-file', hidden: true },
  { flags: '--tunnel <host>', description: 'Not supported (no SSH)', hidden: true },
  { flags: '--known-hosts-file <path>', description: 'Ignored (no SSH)', hidden: true },
  { flags: '--strict-host-key-checking [bool]', description: 'Ignored (no SSH)', hidden: true },
  { flags: '--ssh-timeout <seconds>', description: 'Ignored (no SSH)', hidden: true },
  { flags: '--ssh-username <name>', description: 'Ignored (no SSH)', hidden: true },
  { flags: '--experimental-api [bool]', description: 'Deprecated, ignored', hidden: true },
];

/** Root flags that take a value in the next argument (for prefix matching). */
export const VALUE_FLAGS: ReadonlySet<string> = new Set(
  GLOBAL_FLAGS.filter((f) => f.flags.includes('<')).map((f) => f.flags.split(' ')[0]!),
);

/** `--etcd-key-prefix` -> `FLEETCTL_ETCD_KEY_PREFIX`. */
export function envName(longFlag: string): string {
  return `FLEETCTL_${longFlag.replace(/^--/, '').replace(/-/g, '_').toUpperCase()}`;
}

/** `--etcd-key-prefix` -> `etcdKeyPrefix` (commander's attribute name). */
function attr(longFlag: string): string {
  return longFlag.replace(/^--/, '').replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

/**
 * `--request-timeout` in seconds: a positive, finite number.
 * @throws {ClientConfigError} naming the value otherwise (it never silently becomes the default).
 */
export function parseRequestTimeout(text: string): number {
  const n = Number(text.trim());
  if (text.trim() === '' || !Number.isFinite(n) || n <= 0) {
    throw new ClientConfigError(`invalid --request-timeout ${JSON.stringify(text)}: expected a positive number of seconds`);
  }
  return n;
}

/**
 * Resolves the root flags. `cli` holds what commander parsed, `fromCli`
 * says which attributes the command line set; every other flag takes its
 * `FLEETCTL_*` variable when non-empty, else its default. Deprecated
 * aliases fill in when the new flag is unset.
 */
export function resolveGlobalOptions(cli: Readonly<Record<string, unknown>>, fromCli: (attr: string) => boolean, env: Readonly<Record<string, string | undefined>>): GlobalOptions {
  const get = (longFlag: string, fallback: string): string => {
    const a = attr(longFlag);
    if (fromCli(a)) return String(cli[a] ?? '');
    const e = env[envName(longFlag)];
    if (e !== undefined && e !== '') return e;
    return fallback;
  };
  const given = (longFlag: string): boolean => fromCli(attr(longFlag)) || (env[envName(longFlag)] ?? '') !== '';
  const withAlias = (main: string, alias: string): string => get(main, '') || get(alias, '');
  const debugText = fromCli('debug') ? 'true' : (env[envName('--debug')] ?? 'false');
  return {
    endpoint: get('--endpoint', DEFAULT_ENDPOINT),
    endpointGiven: given('--endpoint'),
    driver: get('--driver', 'api').toLowerCase(),
    etcdKeyPrefix: get('--etcd-key-prefix', DEFAULT_KEY_PREFIX),
    keyFile: withAlias('--key-file', '--etcd-keyfile'),
    certFile: withAlias('--cert-file', '--etcd-certfile'),
    caFile: withAlias('--ca-file', '--etcd-cafile'),
    requestTimeout: parseRequestTimeout(get('--request-timeout', '3.0')),
    debug: parseLooseBool(debugText) === true,
    tunnel: get('--tunnel', ''),
    token: get('--token', '').trim(),
  };
}

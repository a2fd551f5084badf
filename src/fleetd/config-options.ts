import { DEFAULT_KEY_PREFIX, formatHostPort, normalizeKeyPrefix, parseHostPort, parseStrictBool } from '../domain/index.js';
import { parseResourceItems, type ResourceAmounts } from '../resources/index.js';
import { parseGoDuration } from './duration.js';

/**
 * Every fleet.conf option: its parser, default and one line of help. This
 * table is the single place an option is defined; `resolveConfig` and the
 * README's option list both come from it.
 *
 * Parsers receive the raw string and throw an Error whose message says what
 * is wrong; the resolver wraps it in a ConfigError naming option and source.
 */
export interface OptionSpec<T> {
  readonly name: string;
  readonly help: string;
  readonly defaultValue: T;
  parse(raw: string): T;
  /** Set for options fleet had that no longer do anything: using them logs this warning. */
  readonly deprecated?: string;
}

function spec<T>(s: OptionSpec<T>): OptionSpec<T> {
  return s;
}

function parseNumber(raw: string, what: { min: number; max?: number; integer?: boolean }): number {
  const v = raw.trim();
  const n = Number(v);
  if (v === '' || !Number.isFinite(n)) throw new Error(`expected a number, got ${JSON.stringify(raw)}`);
  if (what.integer && !Number.isInteger(n)) throw new Error(`expected a whole number, got ${JSON.stringify(raw)}`);
  if (n < what.min) throw new Error(`must be at least ${what.min}, got ${v}`);
  if (what.max !== undefined && n > what.max) throw new Error(`must be at most ${what.max}, got ${v}`);
  return n;
}

/** Seconds as a float (fleet's `etcd_request_timeout`, `engine_reconcile_interval`) → ms. */
function parseSeconds(raw: string, minSeconds: number): number {
  return Math.round(parseNumber(raw, { min: minSeconds }) * 1000);
}

function parseDurationMs(raw: string, minMs: number): number {
  const ms = parseGoDuration(raw);
  if (ms < minMs) throw new Error(`must be at least ${minMs} ms, got ${JSON.stringify(raw)}`);
  return ms;
}

/** `notify_webhook`: an http(s) URL, or empty for none. */
function parseWebhookUrl(raw: string): string | undefined {
  const v = raw.trim();
  if (v === '') return undefined;
  let url: URL;
  try {
    url = new URL(v);
  } catch {
    throw new Error(`expected an http:// or https:// URL, got ${JSON.stringify(raw)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`expected an http:// or https:// URL, got ${JSON.stringify(raw)}`);
  return v;
}

/**
 * `etcd_servers`: comma-separated, each item trimmed of ` [\"` / ` \"]` so
 * both `a,b` and `["a", "b"]` work, as in fleet. Each must be an http(s) URL.
 */
export function parseEtcdServers(raw: string): string[] {
  const items = raw
    .split(',')
    .map((s) => s.replace(/^[\s["]+/, '').replace(/[\s\]"]+$/, ''))
    .filter((s) => s !== '');
  if (items.length === 0) throw new Error('at least one etcd endpoint is required');
  for (const item of items) {
    let url: URL;
    try {
      url = new URL(item);
    } catch {
      throw new Error(`${JSON.stringify(item)} is not a URL (expected e.g. http://127.0.0.1:2379)`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new Error(`${JSON.stringify(item)}: only http:// and https:// endpoints are supported`);
    }
  }
  return items;
}

/**
 * `metadata`: `k=v,k2=v2`. Fleet skipped items without `=` and accepted an
 * empty key; both silently lost data, so both are errors here.
 */
export function parseMetadata(raw: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of raw.split(',')) {
    if (item.trim() === '') continue;
    const eq = item.indexOf('=');
    if (eq < 0) throw new Error(`metadata item ${JSON.stringify(item.trim())} is not key=value`);
    const key = item.slice(0, eq).trim();
    const value = item.slice(eq + 1).trim();
    if (!/^[A-Za-z0-9_.-]+$/.test(key)) {
      throw new Error(`metadata key ${JSON.stringify(key)} must be non-empty and use only A-Z a-z 0-9 _ . -`);
    }
    out[key] = value;
  }
  return out;
}

/**
 * `resources` / `reserved`: `cpu=4,memory=16G,disk=200G,gpu=2` (any
 * lower-case name is a countable resource). Every bad item is named.
 */
export function parseResourceOption(raw: string): ResourceAmounts {
  const { amounts, problems } = parseResourceItems(raw.split(','));
  if (problems.length > 0) throw new Error(problems.join('; '));
  return amounts;
}

/** `host:port` or a bare port (a bare port binds 127.0.0.1); empty: none. */
export function parseListenAddress(raw: string): string | undefined {
  if (raw.trim() === '') return undefined;
  return formatHostPort(parseHostPort(raw));
}

function optionalString(raw: string): string | undefined {
  const v = raw.trim();
  return v === '' ? undefined : v;
}

function parseMachineId(raw: string): string | undefined {
  const v = raw.trim();
  if (v === '') return undefined;
  if (!/^[0-9a-zA-Z_-]{1,128}$/.test(v)) throw new Error(`machine id must be 1-128 characters of 0-9 a-z A-Z _ -, got ${JSON.stringify(raw)}`);
  return v;
}

/** `api_auth`: which API listeners ask for a token. */
export type ApiAuthMode = 'tcp' | 'all' | 'off';

function parseApiAuth(raw: string): ApiAuthMode {
  const v = raw.trim().toLowerCase();
  if (v === 'tcp' || v === 'all' || v === 'off') return v;
  throw new Error(`expected tcp, all or off, got ${JSON.stringify(raw)}`);
}

export const OPTIONS = {
  verbosity: spec({ name: 'verbosity', help: 'log verbosity; above 0 enables debug logs', defaultValue: 0, parse: (r) => parseNumber(r, { min: 0, integer: true }) }),
  etcd_servers: spec({ name: 'etcd_servers', help: 'comma-separated etcd client URLs', defaultValue: ['http://127.0.0.1:2379'], parse: parseEtcdServers }),
  etcd_username: spec({ name: 'etcd_username', help: 'etcd user (etcd authentication)', defaultValue: undefined as string | undefined, parse: optionalString }),
  etcd_password: spec({ name: 'etcd_password', help: 'etcd password', defaultValue: undefined as string | undefined, parse: optionalString }),
  etcd_cafile: spec({ name: 'etcd_cafile', help: 'CA bundle that signs the etcd server certificates (verification is always on)', defaultValue: undefined as string | undefined, parse: optionalString }),
  etcd_certfile: spec({ name: 'etcd_certfile', help: 'client certificate for etcd TLS', defaultValue: undefined as string | undefined, parse: optionalString }),
  etcd_keyfile: spec({ name: 'etcd_keyfile', help: 'client key for etcd TLS', defaultValue: undefined as string | undefined, parse: optionalString }),
  etcd_key_prefix: spec({ name: 'etcd_key_prefix', help: 'prefix of every key fleet writes in etcd', defaultValue: DEFAULT_KEY_PREFIX, parse: normalizeKeyPrefix }),
  etcd_request_timeout: spec({ name: 'etcd_request_timeout', help: 'seconds before one etcd request is abandoned and retried', defaultValue: 1000, parse: (r) => parseSeconds(r, 0.05) }),
  engine_reconcile_interval: spec({ name: 'engine_reconcile_interval', help: 'seconds between full engine passes (changes are handled at once; this repairs anything missed)', defaultValue: 2000, parse: (r) => parseSeconds(r, 0.1) }),
  anomaly_flap_restarts: spec({ name: 'anomaly_flap_restarts', help: 'restarts of a unit on one machine within anomaly_flap_window that make it flapping (an anomaly event)', defaultValue: 5, parse: (r) => parseNumber(r, { min: 1, integer: true }) }),
  anomaly_flap_window: spec({ name: 'anomaly_flap_window', help: 'Go duration: the window anomaly_flap_restarts counts in', defaultValue: 600_000, parse: (r) => parseDurationMs(r, 1000) }),
  anomaly_unplaced_after: spec({ name: 'anomaly_unplaced_after', help: 'Go duration: an active unit the engine cannot place this long is an anomaly event', defaultValue: 300_000, parse: (r) => parseDurationMs(r, 1000) }),
  anomaly_machine_lost_after: spec({ name: 'anomaly_machine_lost_after', help: 'Go duration: a machine gone this long without coming back is an anomaly event', defaultValue: 60_000, parse: (r) => parseDurationMs(r, 1000) }),
  notify_webhook: spec({ name: 'notify_webhook', help: 'http(s) URL the engine leader POSTs each anomaly event to (JSON); empty: none', defaultValue: undefined as string | undefined, parse: parseWebhookUrl }),
  notify_log: spec({ name: 'notify_log', help: 'log each anomaly event at warn level on the engine leader', defaultValue: true, parse: parseStrictBool }),
  engine_lease_ttl: spec({ name: 'engine_lease_ttl', help: 'Go duration: how long a dead engine leader keeps the lease before another takes over', defaultValue: 5000, parse: (r) => parseDurationMs(r, 1000) }),
  public_ip: spec({ name: 'public_ip', help: 'IP address other hosts and fleetctl use to reach this machine (default: detected)', defaultValue: undefined as string | undefined, parse: optionalString }),
  metadata: spec({ name: 'metadata', help: 'machine metadata, k=v pairs separated by commas (e.g. region=us-west,disk=ssd)', defaultValue: {} as Record<string, string>, parse: parseMetadata }),
  resources: spec({ name: 'resources', help: 'resources this machine offers, overriding or adding to the detected cpu (cores) and memory: name=value items separated by commas (e.g. cpu=4,memory=16G,disk=200G,gpu=2)', defaultValue: {} as ResourceAmounts, parse: parseResourceOption }),
  reserved: spec({ name: 'reserved', help: 'resources kept for the host itself, not given to units (e.g. cpu=0.5,memory=1G)', defaultValue: {} as ResourceAmounts, parse: parseResourceOption }),
  agent_ttl: spec({ name: 'agent_ttl', help: 'Go duration: how long a silent machine stays registered before its units move elsewhere', defaultValue: 30_000, parse: (r) => parseDurationMs(r, 1000) }),
  registry_reset_hold: spec({ name: 'registry_reset_hold', help: 'Go duration: after etcd was wiped (the registry was reset), units keep running this long while the cluster is restored (fleetctl import); those not scheduled here again by then are stopped. 0: stop them at once', defaultValue: 3_600_000, parse: (r) => parseDurationMs(r, 0) }),
  units_directory: spec({ name: 'units_directory', help: 'where fleetd writes the unit files it loads (default /run/fleet/units, or $XDG_RUNTIME_DIR/fleet/units with systemd_user)', defaultValue: undefined as string | undefined, parse: optionalString }),
  systemd_user: spec({ name: 'systemd_user', help: 'drive the user manager on the session bus instead of the system manager', defaultValue: false, parse: parseStrictBool }),
  token_limit: spec({ name: 'token_limit', help: 'API page size (items per page)', defaultValue: 100, parse: (r) => parseNumber(r, { min: 1, max: 65535, integer: true }) }),
  disable_engine: spec({ name: 'disable_engine', help: 'never take part in the engine election on this host', defaultValue: false, parse: parseStrictBool }),
  disable_watches: spec({
    name: 'disable_watches',
    help: 'ignored',
    defaultValue: false,
    parse: parseStrictBool,
    deprecated: 'Config option disable_watches is not supported - ignoring (fleetd reacts to etcd watches; each host watches only its own schedule, so they are cheap)',
  }),
  machine_id: spec({ name: 'machine_id', help: 'this machine\'s id (default: contents of /etc/machine-id)', defaultValue: undefined as string | undefined, parse: parseMachineId }),
  api_socket: spec({ name: 'api_socket', help: 'unix socket for the HTTP API (empty: none; socket-activated listeners are used when passed)', defaultValue: '/var/run/fleet.sock' as string | undefined, parse: optionalString }),
  api_listen: spec({ name: 'api_listen', help: 'TCP host:port for the HTTP API (off by default; a bare port binds 127.0.0.1). A non-loopback address needs api_auth on, and TLS or api_insecure', defaultValue: undefined as string | undefined, parse: parseListenAddress }),
  api_auth: spec({ name: 'api_auth', help: 'which API listeners require a bearer token: tcp (TCP only; the unix socket\'s file mode is its gate), all, or off', defaultValue: 'tcp' as ApiAuthMode, parse: parseApiAuth }),
  api_cert_file: spec({ name: 'api_cert_file', help: 'PEM certificate: serve the TCP API over TLS (with api_key_file)', defaultValue: undefined as string | undefined, parse: optionalString }),
  api_key_file: spec({ name: 'api_key_file', help: 'PEM private key of api_cert_file', defaultValue: undefined as string | undefined, parse: optionalString }),
  api_client_ca_file: spec({ name: 'api_client_ca_file', help: 'PEM CA bundle: TCP API clients must present a certificate it signed (mutual TLS)', defaultValue: undefined as string | undefined, parse: optionalString }),
  api_insecure: spec({ name: 'api_insecure', help: 'allow plain HTTP on a non-loopback api_listen (tokens then cross the network in clear text)', defaultValue: false, parse: parseStrictBool }),
  api_qps: spec({ name: 'api_qps', help: 'API requests per second each identity (token, or the local socket) may send sustained; more get 429', defaultValue: 50, parse: (r) => parseNumber(r, { min: 0.01 }) }),
  api_burst: spec({ name: 'api_burst', help: 'API requests an idle identity may send at once', defaultValue: 100, parse: (r) => parseNumber(r, { min: 1, integer: true }) }),
  api_header_timeout: spec({ name: 'api_header_timeout', help: 'Go duration: how long a client may take to send request headers', defaultValue: 10_000, parse: (r) => parseDurationMs(r, 100) }),
  api_body_timeout: spec({ name: 'api_body_timeout', help: 'Go duration: how long a client may take to send a whole request (headers and body)', defaultValue: 30_000, parse: (r) => parseDurationMs(r, 100) }),
  api_max_connections: spec({ name: 'api_max_connections', help: 'open API connections per listener; more are refused', defaultValue: 512, parse: (r) => parseNumber(r, { min: 1, integer: true }) }),
  api_max_inflight_per_identity: spec({ name: 'api_max_inflight_per_identity', help: 'API requests one token may have running at once; more wait in its own queue, so a flooding token cannot take every etcd slot of the API (listeners that ask for no token, such as the local socket by default, are not capped)', defaultValue: 8, parse: (r) => parseNumber(r, { min: 1, integer: true }) }),
  api_max_queued_per_identity: spec({ name: 'api_max_queued_per_identity', help: 'API requests one identity may have waiting for an in-flight slot; more get 429 with Retry-After', defaultValue: 512, parse: (r) => parseNumber(r, { min: 0, integer: true }) }),
  api_max_streams: spec({ name: 'api_max_streams', help: 'status/journal streams running at once on this host, and event streams open at once (a separate count); more get 503', defaultValue: 32, parse: (r) => parseNumber(r, { min: 1, integer: true }) }),
  enable_grpc: spec({ name: 'enable_grpc', help: 'ignored', defaultValue: false, parse: parseStrictBool, deprecated: 'Config option enable_grpc is no longer supported - ignoring (engine and agents talk through etcd watches)' }),
  verify_units: spec({ name: 'verify_units', help: 'ignored', defaultValue: false, parse: parseStrictBool, deprecated: 'Config option verify_units is no longer supported - ignoring' }),
  authorized_keys_file: spec({ name: 'authorized_keys_file', help: 'ignored', defaultValue: undefined as string | undefined, parse: optionalString, deprecated: 'Config option authorized_keys_file is no longer supported - ignoring' }),
} as const;

export type OptionName = keyof typeof OPTIONS;
export type OptionValues = { -readonly [K in OptionName]: ReturnType<(typeof OPTIONS)[K]['parse']> };

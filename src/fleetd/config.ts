import type { AnomalyThresholds } from '../events/anomalies.js';
import { parse as parseIni } from 'ini';
import type { ResourceAmounts } from '../resources/index.js';
import { ConfigError } from './config-error.js';
import { apiExposureProblem } from './api-exposure.js';
import { OPTIONS, type ApiAuthMode, type OptionName, type OptionValues } from './config-options.js';
import type { SystemdScope } from '../domain/index.js';

/** fleetd's fully resolved configuration: every field has a usable value. */
export interface FleetdConfig {
  readonly verbosity: number;
  readonly etcd: {
    readonly servers: readonly string[];
    readonly keyPrefix: string;
    readonly requestTimeoutMs: number;
    readonly username?: string;
    readonly password?: string;
    readonly caFile?: string;
    readonly certFile?: string;
    readonly keyFile?: string;
  };
  readonly machineId: string;
  readonly publicIp?: string;
  readonly metadata: Readonly<Record<string, string>>;
  /** `resources=` (written over the detected capacity) and `reserved=`. */
  readonly resources: { readonly configured: ResourceAmounts; readonly reserved: ResourceAmounts };
  readonly agentTtlMs: number;
  /** `registry_reset_hold`, ms (see `AgentOptions.resetHoldMs`). */
  readonly registryResetHoldMs: number;
  readonly engine: {
    readonly disabled: boolean;
    readonly reconcileIntervalMs: number;
    readonly leaseTtlMs: number;
  };
  readonly disableWatches: boolean;
  readonly systemdScope: SystemdScope;
  readonly unitsDirectory: string;
  readonly tokenLimit: number;
  readonly api: ApiConfig;
  /** Anomaly detection (on the engine leader) and where anomalies are sent. */
  readonly anomalies: { readonly thresholds: AnomalyThresholds; readonly webhook?: string; readonly log: boolean };
  /** Tests and benchmarks only, not an option: `FLEET_TEST_API_ETCD_DELAY_MS`, a delay before each of the API's etcd requests (a slow etcd); 0 = none. */
  readonly testApiEtcdDelayMs: number;
}

/** The API's listeners, authentication, TLS and limits. */
export interface ApiConfig {
  readonly socket?: string;
  readonly listen?: string;
  /** Which listeners require a token. */
  readonly auth: ApiAuthMode;
  /** TLS on the TCP listener; `clientCaFile` asks clients for a certificate it signed. */
  readonly tls?: { readonly certFile: string; readonly keyFile: string; readonly clientCaFile?: string };
  /** Plain HTTP accepted on a non-loopback `listen`. */
  readonly insecure: boolean;
  /** Per-identity token bucket. */
  readonly rate: { readonly qps: number; readonly burst: number };
  readonly headerTimeoutMs: number;
  readonly bodyTimeoutMs: number;
  /** Per listener. */
  readonly maxConnections: number;
  /** status/journal streams at once. */
  readonly maxStreams: number;
  /** Per-identity cap on requests in flight, and on requests waiting for one. */
  readonly inflight: { readonly maxInflight: number; readonly maxQueued: number };
}

/** What the resolver reads; the effectful shell (load-config.ts) gathers it. */
export interface ConfigSources {
  /** Contents and path of fleet.conf, when one is used. */
  readonly file?: { readonly path: string; readonly text: string };
  /** Process environment: `FLEET_<OPTION>` variables override the file. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Explicit overrides (command-line flags, tests); win over everything. */
  readonly overrides?: Partial<Record<OptionName, string>>;
  /** Contents of /etc/machine-id, used when `machine_id` is not set. */
  readonly machineIdFile?: string;
  /** `$XDG_RUNTIME_DIR`, for the user-scope default units directory. */
  readonly xdgRuntimeDir?: string;
}

export interface ResolvedConfig {
  readonly config: FleetdConfig;
  /** Non-fatal notes for the log (deprecated options, unknown keys). */
  readonly warnings: readonly string[];
}

/**
 * Resolves fleet.conf + `FLEET_*` environment + overrides into a typed config.
 * Precedence: overrides > environment > file > default (as fleet).
 * @throws {ConfigError} naming the option and where its bad value came from;
 *   unlike fleet, a bad value never silently falls back to the default.
 */
export function resolveConfig(sources: ConfigSources): ResolvedConfig {
  const warnings: string[] = [];
  const raw = new Map<OptionName, { value: string; source: string }>();

  if (sources.file !== undefined) {
    for (const [key, value] of Object.entries(readIniFile(sources.file.path, sources.file.text))) {
      const name = key.toLowerCase();
      if (!isOption(name)) {
        warnings.push(`${sources.file.path}: unknown option ${JSON.stringify(key)} ignored`);
        continue;
      }
      raw.set(name, { value, source: sources.file.path });
    }
  }
  for (const name of Object.keys(OPTIONS) as OptionName[]) {
    const envName = `FLEET_${name.toUpperCase()}`;
    const v = sources.env[envName];
    if (v !== undefined && v !== '') raw.set(name, { value: v, source: envName });
    const o = sources.overrides?.[name];
    if (o !== undefined) raw.set(name, { value: o, source: 'command line' });
  }

  const values = {} as OptionValues;
  for (const name of Object.keys(OPTIONS) as OptionName[]) {
    const spec = OPTIONS[name];
    const given = raw.get(name);
    if (given === undefined) {
      (values as Record<string, unknown>)[name] = spec.defaultValue;
      continue;
    }
    try {
      (values as Record<string, unknown>)[name] = spec.parse(given.value);
    } catch (err) {
      throw new ConfigError(name, given.source, (err as Error).message);
    }
    if ('deprecated' in spec && spec.deprecated !== undefined) warnings.push(spec.deprecated);
  }

  const machineId = values.machine_id ?? sources.machineIdFile?.trim();
  if (machineId === undefined || machineId === '') {
    throw new ConfigError('machine_id', '/etc/machine-id', 'unable to determine local machine ID: set machine_id or create /etc/machine-id');
  }
  if ((values.etcd_certfile === undefined) !== (values.etcd_keyfile === undefined)) {
    throw new ConfigError(values.etcd_certfile === undefined ? 'etcd_certfile' : 'etcd_keyfile', 'configuration', 'etcd_certfile and etcd_keyfile must be given together');
  }
  if ((values.etcd_username === undefined) !== (values.etcd_password === undefined)) {
    throw new ConfigError(values.etcd_username === undefined ? 'etcd_username' : 'etcd_password', 'configuration', 'etcd_username and etcd_password must be given together');
  }
  const api = resolveApi(values);
  const scope = values.systemd_user ? 'user' : 'system';
  let unitsDirectory = values.units_directory;
  if (unitsDirectory === undefined) {
    if (scope === 'user') {
      if (sources.xdgRuntimeDir === undefined || sources.xdgRuntimeDir === '') {
        throw new ConfigError('units_directory', 'default', 'systemd_user needs XDG_RUNTIME_DIR set, or units_directory given explicitly');
      }
      unitsDirectory = `${sources.xdgRuntimeDir.replace(/\/$/, '')}/fleet/units`;
    } else {
      unitsDirectory = '/run/fleet/units';
    }
  }

  const config: FleetdConfig = {
    verbosity: values.verbosity,
    etcd: {
      servers: values.etcd_servers,
      keyPrefix: values.etcd_key_prefix,
      requestTimeoutMs: values.etcd_request_timeout,
      ...optional('username', values.etcd_username),
      ...optional('password', values.etcd_password),
      ...optional('caFile', values.etcd_cafile),
      ...optional('certFile', values.etcd_certfile),
      ...optional('keyFile', values.etcd_keyfile),
    },
    machineId,
    ...optional('publicIp', values.public_ip),
    metadata: values.metadata,
    resources: { configured: values.resources, reserved: values.reserved },
    agentTtlMs: values.agent_ttl,
    registryResetHoldMs: values.registry_reset_hold,
    engine: {
      disabled: values.disable_engine,
      reconcileIntervalMs: values.engine_reconcile_interval,
      leaseTtlMs: values.engine_lease_ttl,
    },
    disableWatches: values.disable_watches,
    systemdScope: scope,
    unitsDirectory,
    tokenLimit: values.token_limit,
    api,
    anomalies: {
      thresholds: {
        flapRestarts: values.anomaly_flap_restarts,
        flapWindowMs: values.anomaly_flap_window,
        unplacedAfterMs: values.anomaly_unplaced_after,
        machineLostAfterMs: values.anomaly_machine_lost_after,
      },
      ...optional('webhook', values.notify_webhook),
      log: values.notify_log,
    },
    testApiEtcdDelayMs: testDelay(sources.env[TEST_API_ETCD_DELAY]),
  };
  return { config, warnings };
}

/** The variable that slows the API's etcd requests in tests and benchmarks (see {@link FleetdConfig.testApiEtcdDelayMs}). */
const TEST_API_ETCD_DELAY = 'FLEET_TEST_API_ETCD_DELAY_MS';

function testDelay(raw: string | undefined): number {
  if (raw === undefined || raw === '') return 0;
  if (!/^\d{1,6}$/.test(raw)) throw new ConfigError('test_api_etcd_delay_ms', TEST_API_ETCD_DELAY, `expected a whole number of milliseconds, got ${JSON.stringify(raw)}`);
  return Number(raw);
}

/** The API part of the config, with the pairing rules of the TLS options and the exposure check. */
function resolveApi(values: OptionValues): ApiConfig {
  if ((values.api_cert_file === undefined) !== (values.api_key_file === undefined)) {
    throw new ConfigError(values.api_cert_file === undefined ? 'api_cert_file' : 'api_key_file', 'configuration', 'api_cert_file and api_key_file must be given together');
  }
  if (values.api_client_ca_file !== undefined && values.api_cert_file === undefined) {
    throw new ConfigError('api_client_ca_file', 'configuration', 'mutual TLS needs TLS: set api_cert_file and api_key_file too');
  }
  const tls = values.api_cert_file !== undefined && values.api_key_file !== undefined
    ? { certFile: values.api_cert_file, keyFile: values.api_key_file, ...optional('clientCaFile', values.api_client_ca_file) }
    : undefined;
  if (tls !== undefined && values.api_listen === undefined) {
    throw new ConfigError('api_cert_file', 'configuration', 'TLS applies to the TCP API: set api_listen too');
  }
  const problem = apiExposureProblem({ listen: values.api_listen, auth: values.api_auth, tls: tls !== undefined, insecure: values.api_insecure });
  if (problem !== undefined) throw new ConfigError(problem.option, 'configuration', problem.message);
  return {
    ...optional('socket', values.api_socket),
    ...optional('listen', values.api_listen),
    auth: values.api_auth,
    ...optional('tls', tls),
    insecure: values.api_insecure,
    rate: { qps: values.api_qps, burst: values.api_burst },
    headerTimeoutMs: values.api_header_timeout,
    bodyTimeoutMs: values.api_body_timeout,
    maxConnections: values.api_max_connections,
    maxStreams: values.api_max_streams,
    inflight: { maxInflight: values.api_max_inflight_per_identity, maxQueued: values.api_max_queued_per_identity },
  };
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

function isOption(name: string): name is OptionName {
  return Object.prototype.hasOwnProperty.call(OPTIONS, name);
}

/**
 * fleet.conf is flat `key = value` lines (goini). Sections are not part of
 * the format; a key inside one would be silently ignored by fleet, so it is an
 * error here. A value wrapped in matching quotes is unquoted.
 */
function readIniFile(path: string, text: string): Record<string, string> {
  const parsed = parseIni(text) as Record<string, unknown>;
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(parsed)) {
    // ini turns true/false/null into JS values; give options their text back.
    if (typeof value === 'boolean' || value === null) {
      out[key] = String(value ?? '');
    } else if (typeof value === 'string') {
      out[key] = unquote(value);
    } else {
      throw new ConfigError(key, path, 'fleet.conf has no sections or lists: write options as top-level key = value lines');
    }
  }
  return out;
}

function unquote(v: string): string {
  const t = v.trim();
  if (t.length >= 2 && (t[0] === '"' || t[0] === "'") && t[t.length - 1] === t[0]) return t.slice(1, -1);
  return t;
}

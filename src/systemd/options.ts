import { join } from 'node:path';
import { systemClock, type Clock } from '../clock.js';
import type { SystemdScope } from '../domain/index.js';
import { SystemdConfigError } from './errors.js';

/** User-facing driver options; every field optional and documented with its default. */
export interface SystemdDriverOptions {
  /** Default `system`. */
  readonly scope?: SystemdScope;
  /**
   * D-Bus address. Default: system scope `DBUS_SYSTEM_BUS_ADDRESS` or
   * `unix:path=/run/dbus/system_bus_socket`; user scope `DBUS_SESSION_BUS_ADDRESS` (required).
   */
  readonly busAddress?: string;
  /** Fleet's own unit directory. Default `/run/fleet/units`, or `$XDG_RUNTIME_DIR/fleet/units` in user scope. */
  readonly unitsDir?: string;
  /** Per D-Bus call timeout. Default 10 s. */
  readonly callTimeoutMs?: number;
  /**
   * How long unload() waits for its stop job to finish before giving up
   * (SystemdTimeoutError; the file stays and the next pass retries).
   * Default 30 s.
   */
  readonly stopTimeoutMs?: number;
  /** Period of the ListUnitsByNames resync that repairs missed or reordered signals. Default 5 s. */
  readonly resyncIntervalMs?: number;
  /** First reconnect delay after losing the bus; doubles up to {@link reconnectMaxMs}. Default 100 ms. */
  readonly reconnectInitialMs?: number;
  /** Cap of the reconnect backoff. Default 10 s. */
  readonly reconnectMaxMs?: number;
  /** Default {@link systemClock} (fleet's one clock; tests pass a manual one). */
  readonly clock?: Clock;
  /** Told the method name and outcome of every D-Bus call (metrics); default none. */
  readonly onCall?: (method: string, ok: boolean) => void;
  /** Told each signal received (metrics), named by {@link signalName}; default none. */
  readonly onSignal?: (signal: string) => void;
  /** Told when re-reading unit states fails (the next resync retries); default none. */
  readonly onRefreshError?: (error: unknown, units: readonly string[]) => void;
}

/** Options with every default applied. */
export interface ResolvedDriverOptions {
  readonly scope: SystemdScope;
  readonly busAddress: string;
  readonly unitsDir: string;
  /**
   * Where LinkUnitFiles(runtime) puts its links. The real driver creates the
   * links there itself when systemd's `UnitPath` lists this directory, and
   * falls back to LinkUnitFiles otherwise (e.g. the `$XDG_RUNTIME_DIR`
   * placeholder when that variable is unset).
   */
  readonly systemdRuntimeDir: string;
  readonly callTimeoutMs: number;
  readonly stopTimeoutMs: number;
  readonly resyncIntervalMs: number;
  readonly reconnectInitialMs: number;
  readonly reconnectMaxMs: number;
  readonly clock: Clock;
  readonly onCall?: (method: string, ok: boolean) => void;
  readonly onSignal?: (signal: string) => void;
  readonly onRefreshError?: (error: unknown, units: readonly string[]) => void;
}

/**
 * Applies defaults, reading `env` for bus addresses and XDG_RUNTIME_DIR.
 * Throws SystemdConfigError for a user scope without the variables it needs
 * or non-positive durations.
 */
export function resolveDriverOptions(
  opts: SystemdDriverOptions = {},
  env: Readonly<Record<string, string | undefined>> = process.env,
): ResolvedDriverOptions {
  const scope = opts.scope ?? 'system';
  let busAddress = opts.busAddress;
  let unitsDir = opts.unitsDir;
  let systemdRuntimeDir = '/run/systemd/system';
  if (scope === 'user') {
    const xdg = env.XDG_RUNTIME_DIR;
    if (!xdg && !unitsDir) throw new SystemdConfigError('unitsDir', 'user scope needs XDG_RUNTIME_DIR or an explicit unitsDir');
    busAddress ??= env.DBUS_SESSION_BUS_ADDRESS;
    if (!busAddress) throw new SystemdConfigError('busAddress', 'user scope needs DBUS_SESSION_BUS_ADDRESS or an explicit busAddress');
    unitsDir ??= join(xdg as string, 'fleet', 'units');
    systemdRuntimeDir = xdg ? join(xdg, 'systemd', 'user') : '$XDG_RUNTIME_DIR/systemd/user';
  } else {
    busAddress ??= env.DBUS_SYSTEM_BUS_ADDRESS ?? 'unix:path=/run/dbus/system_bus_socket';
    unitsDir ??= '/run/fleet/units';
  }
  const positive = (name: string, v: number | undefined, dflt: number): number => {
    const value = v ?? dflt;
    if (!Number.isFinite(value) || value <= 0) throw new SystemdConfigError(name, `must be a positive number of ms, got ${value}`);
    return value;
  };
  return {
    scope,
    busAddress,
    unitsDir,
    systemdRuntimeDir,
    callTimeoutMs: positive('callTimeoutMs', opts.callTimeoutMs, 10_000),
    stopTimeoutMs: positive('stopTimeoutMs', opts.stopTimeoutMs, 30_000),
    resyncIntervalMs: positive('resyncIntervalMs', opts.resyncIntervalMs, 5_000),
    reconnectInitialMs: positive('reconnectInitialMs', opts.reconnectInitialMs, 100),
    reconnectMaxMs: positive('reconnectMaxMs', opts.reconnectMaxMs, 10_000),
    clock: opts.clock ?? systemClock,
    ...(opts.onCall !== undefined ? { onCall: opts.onCall } : {}),
    ...(opts.onSignal !== undefined ? { onSignal: opts.onSignal } : {}),
    ...(opts.onRefreshError !== undefined ? { onRefreshError: opts.onRefreshError } : {}),
  };
}
